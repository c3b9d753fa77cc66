"""Property: a random chain of views reads exactly what numpy indexing of the full array gives."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _views_helpers import dates_of, field_values, make_dataset
from fc_datasets import open_dataset

V1 = ["2t", "msl", "t_850"]
V2 = ["z_500", "q_700"]
MEMBERS = 2
CELLS = 684


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("property")
    a = make_dataset(root / "a.zarr", variables=V1, members=MEMBERS, end="2020-01-02T18")
    b = make_dataset(
        root / "b.zarr", variables=V1, members=MEMBERS, start="2020-01-03", end="2020-01-04T18"
    )
    c = make_dataset(root / "c.zarr", variables=V2, members=MEMBERS, end="2020-01-04T18")
    return {"join": [{"concat": [str(a), str(b)]}, str(c)]}


def _random_key(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    def one(n: int, allow_array: bool) -> Any:
        kind = rng.integers(0, 4 if allow_array else 2)
        if kind == 0:
            return int(rng.integers(-n, n))
        if kind == 1:
            start, stop = sorted(rng.integers(-n, n + 1, size=2).tolist())
            return slice(start, stop, int(rng.integers(1, 4)))
        if kind == 2:
            return rng.integers(-n, n, size=int(rng.integers(1, 5))).tolist()
        return rng.random(n) < 0.5

    axes = int(rng.integers(1, 5))
    array_axis = int(rng.integers(0, axes))
    key = tuple(one(shape[a], a == array_axis) for a in range(axes))
    return key[0] if axes == 1 else key


def _chain(rng: np.random.Generator) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Random options, and the indices they keep on each axis of the joined dataset."""
    variables = V1 + V2
    dates = np.arange(16)
    options: dict[str, Any] = {}
    if rng.random() < 0.7:
        first, last = sorted(rng.integers(0, 16, size=2).tolist())
        calendar = dates_of("2020-01-01", "2020-01-04T18")
        options["start"], options["end"] = str(calendar[first]), str(calendar[last])
        dates = dates[first : last + 1]
    if rng.random() < 0.5:
        step = int(rng.integers(1, 4))
        options["frequency"] = f"{6 * step}h"
        dates = dates[::step]
    chosen = np.arange(len(variables))
    if rng.random() < 0.7:
        chosen = rng.permutation(len(variables))[: int(rng.integers(1, len(variables) + 1))]
        options["select"] = [variables[i] for i in chosen]
    if rng.random() < 0.3:
        options["rename"] = {variables[int(chosen[0])]: "renamed"}
    cells = np.arange(CELLS)
    if rng.random() < 0.4:
        n = int(rng.integers(1, 5))
        options["thinning"], options["method"] = n, "every-nth-point"
        cells = cells[::n]
    members = np.arange(MEMBERS)
    if rng.random() < 0.4:
        members = np.array([int(rng.integers(0, MEMBERS))])
        options["members"] = members.tolist()
    return options, [dates, chosen, members, cells]


def _orthogonal(array: np.ndarray, key: Any) -> np.ndarray:
    """``array[key]`` with each axis indexed on its own (numpy's own rule for every axis).

    Views index orthogonally, like zarr's ``oindex``; this equals plain numpy indexing except
    where numpy moves the axes of separated integer and array indices to the front.
    """
    parts = key if isinstance(key, tuple) else (key,)
    parts = parts + (slice(None),) * (array.ndim - len(parts))
    axes = [np.arange(n)[p] for n, p in zip(array.shape, parts, strict=True)]
    scalar = tuple(a for a, p in enumerate(parts) if np.ndim(axes[a]) == 0)
    result = array[np.ix_(*[np.atleast_1d(a) for a in axes])]
    return result.squeeze(axis=scalar) if scalar else result


@pytest.mark.parametrize("seed", range(12))
def test_random_chains_match_numpy(base: dict[str, Any], seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = field_values(dates_of("2020-01-01", "2020-01-04T18"), V1 + V2, MEMBERS, CELLS)
    options, (dates, variables, members, cells) = _chain(rng)
    # the same options written as a YAML dict, or as keyword arguments
    ds = open_dataset({**base, **options}) if seed % 2 else open_dataset(base, **options)
    want = truth[np.ix_(dates, variables, members, cells)]
    assert ds.shape == want.shape
    for _ in range(25):
        key = _random_key(rng, want.shape)
        got = ds[key]
        assert got.dtype == np.float32
        np.testing.assert_array_equal(
            got, _orthogonal(want, key), err_msg=f"options={options} key={key}"
        )
        parts = key if isinstance(key, tuple) else (key,)
        if sum(not isinstance(p, slice) for p in parts) <= 1:  # numpy's rule is the same
            np.testing.assert_array_equal(got, want[key])
