"""Exact, NaN-aware, reproducible statistics from per-date partials (fc_datasets.build.statistics)."""

from __future__ import annotations

import numpy as np
import pytest

from fc_datasets.build.statistics import PartialStatistics, combine, finish, partial_stats


def _sample(seed: int = 0, dates: int = 37, variables: int = 3) -> np.ndarray:
    """float32 [date, variable, ensemble, cell] with geopotential-like offsets and spreads."""
    rng = np.random.default_rng(seed)
    offset = np.array([5.4e4, 280.0, 1.0e5])[:variables, None, None]
    spread = np.array([1.2e3, 15.0, 900.0])[:variables, None, None]
    values = offset + spread * rng.standard_normal((dates, variables, 2, 50))
    return values.astype(np.float32)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def test_statistics_match_numpy_float64_over_every_value() -> None:
    data = _sample()
    stats = finish(combine(partial_stats(data)))
    full = data.astype(np.float64).transpose(1, 0, 2, 3).reshape(3, -1)
    assert _relative(stats.mean, full.mean(axis=1)) < 1e-12
    assert _relative(stats.stdev, full.std(axis=1)) < 1e-12
    np.testing.assert_array_equal(stats.minimum, full.min(axis=1))
    np.testing.assert_array_equal(stats.maximum, full.max(axis=1))
    np.testing.assert_array_equal(stats.count, [full.shape[1]] * 3)


def test_nan_values_are_left_out_and_not_counted() -> None:
    data = _sample(1)
    data[3, 0, 0, :7] = np.nan
    data[10, 2, 1, 4] = np.nan
    stats = finish(combine(partial_stats(data)))
    full = data.astype(np.float64).transpose(1, 0, 2, 3).reshape(3, -1)
    assert _relative(stats.mean, np.nanmean(full, axis=1)) < 1e-12
    assert _relative(stats.stdev, np.nanstd(full, axis=1)) < 1e-12
    np.testing.assert_array_equal(stats.count, (~np.isnan(full)).sum(axis=1))
    np.testing.assert_array_equal(stats.minimum, np.nanmin(full, axis=1))


def test_an_all_nan_date_counts_nothing_and_changes_nothing() -> None:
    data = _sample(2, dates=8)
    with_gap = data.copy()
    with_gap[5] = np.nan  # a missing date
    partials = partial_stats(with_gap)
    assert partials.count[5].tolist() == [0, 0, 0]
    stats = finish(combine(partials))
    kept = np.delete(data, 5, axis=0).astype(np.float64).transpose(1, 0, 2, 3).reshape(3, -1)
    assert _relative(stats.mean, kept.mean(axis=1)) < 1e-12
    assert _relative(stats.stdev, kept.std(axis=1)) < 1e-12


def test_a_dates_partials_do_not_depend_on_the_dates_loaded_with_it() -> None:
    data = _sample(3, dates=6)
    together = partial_stats(data)
    for d in range(6):
        alone = partial_stats(data[d : d + 1])
        for field in ("count", "mean", "m2", "minimum", "maximum"):
            assert getattr(alone, field)[0].tobytes() == getattr(together, field)[d].tobytes()


def test_combine_is_deterministic_and_exact_for_any_number_of_dates() -> None:
    for dates in (1, 2, 3, 5, 16, 33):
        data = _sample(dates, dates=dates)
        first = combine(partial_stats(data))
        again = combine(partial_stats(data.copy()))
        assert first.mean.tobytes() == again.mean.tobytes()
        full = data.astype(np.float64).transpose(1, 0, 2, 3).reshape(3, -1)
        assert _relative(finish(first).mean, full.mean(axis=1)) < 1e-12


def test_merging_two_halves_agrees_with_the_whole() -> None:
    data = _sample(4, dates=20)
    whole = finish(combine(partial_stats(data)))
    halves = PartialStatistics.stack(
        [combine(partial_stats(data[:7])), combine(partial_stats(data[7:]))]
    )
    merged = finish(combine(halves))
    assert _relative(merged.mean, whole.mean) < 1e-13
    assert _relative(merged.stdev, whole.stdev) < 1e-12


def test_a_constant_field_has_zero_stdev() -> None:
    data = np.full((4, 1, 1, 9), 273.15, dtype=np.float32)
    stats = finish(combine(partial_stats(data)))
    assert stats.stdev[0] == 0.0
    assert stats.mean[0] == pytest.approx(273.15, rel=1e-7)


def test_no_value_at_all_gives_nan_and_count_zero() -> None:
    stats = finish(combine(partial_stats(np.full((2, 2, 1, 3), np.nan, dtype=np.float32))))
    assert stats.count.tolist() == [0, 0]
    assert np.isnan(stats.mean).all() and np.isnan(stats.stdev).all()
    empty = finish(combine(PartialStatistics.empty((0, 2))))
    assert empty.count.tolist() == [0, 0]


def test_a_naive_sum_of_squares_would_fail_where_these_do_not() -> None:
    # values near 1e5 with a spread of 1e-2: sum(x**2)/n - mean**2 cancels catastrophically
    rng = np.random.default_rng(7)
    data = (1e5 + 1e-2 * rng.standard_normal((50, 1, 1, 200))).astype(np.float64)
    stats = finish(combine(partial_stats(data)))
    assert _relative(stats.stdev, data.reshape(1, -1).std(axis=1)) < 1e-9
