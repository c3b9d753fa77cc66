"""A failed or killed load resumes where it stopped and yields the same bits as one go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import zarr

sys.path.insert(0, str(Path(__file__).parent))
from _build_helpers import assert_identical, make_recipe
from fc_datasets.build import build_status, create, finalise, init, load
from fc_datasets.exceptions import IncompleteDatasetError, LoadError
from fc_datasets.store import open_store

RECIPE = make_recipe(
    dates={
        "start": "2020-01-01T00",
        "end": "2020-01-03T18",
        "frequency": "6h",
        "missing": ["2020-01-02T12"],
    },
    statistics={"tendencies": ["6h", "12h"]},
)

_LOADER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    import _build_helpers  # registers the fake source
    from fc_datasets.build import load
    load(sys.argv[1], part=sys.argv[2] if len(sys.argv) > 2 else None, workers=1)
    """
)


def _run_loader(path: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    script = _LOADER.format(tests=str(Path(__file__).parent))
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), *args],
        env={**os.environ, "FC_PROGRESS": "0", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_failed_load_resumes_to_the_same_bits_as_one_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_go = create(RECIPE, tmp_path / "one.zarr", workers=1).path
    path = init(RECIPE, tmp_path / "resumed.zarr")
    monkeypatch.setenv("FC_TEST_FAIL_AT", "2020-01-02T00:00:00")
    with pytest.raises(LoadError) as caught:
        load(path, workers=1)
    message = str(caught.value)
    assert "2020-01-02T00:00:00" in message and "fake.grib" in message and "'c'" in message
    assert "resume" in message
    assert caught.value.exit_code == 5  # that of the SourceError underneath
    assert build_status(path).done.tolist()[:5] == [True] * 4 + [False]
    with pytest.raises(IncompleteDatasetError):
        open_store(path)
    with pytest.raises(IncompleteDatasetError):
        finalise(path)
    monkeypatch.delenv("FC_TEST_FAIL_AT")
    report = load(path, workers=1)
    assert (report.skipped, report.loaded) == (4, 8)
    # what a process killed in the middle of a chunk write leaves (zarr renames into place)
    stray = path / "data" / "c" / "4" / "0" / "0" / "0.1234abcd.partial"
    stray.write_bytes(b"half a chunk")
    finalise(path)
    assert not stray.exists()
    assert_identical(one_go, path)


def test_create_that_fails_keeps_the_incomplete_store_and_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FC_TEST_FAIL_AT", "2020-01-01T18:00:00")
    path = tmp_path / "ds.zarr"
    with pytest.raises(LoadError) as caught:
        create(RECIPE, path, workers=1)
    message = str(caught.value)
    assert "fc-datasets load" in message and "fc-datasets finalise" in message
    assert path.exists()
    assert open_store(path, require_complete=False).attrs["complete"] is False
    monkeypatch.delenv("FC_TEST_FAIL_AT")
    load(path, workers=1)
    finalise(path)
    assert open_store(path).attrs["complete"] is True


@pytest.mark.slow
def test_a_killed_load_resumes_to_the_same_bits_as_one_go(tmp_path: Path) -> None:
    one_go = create(RECIPE, tmp_path / "one.zarr", workers=1).path
    path = init(RECIPE, tmp_path / "killed.zarr")
    load(path, part="1/2", workers=1)
    process = _run_loader(path, "2/2", env={"FC_TEST_KILL_AT": "2020-01-03T00:00:00"})
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, err.decode()
    done = build_status(path).done
    # part 2/2 is dates 6..11; it died asking for date 8, after writing 6 and 7
    assert done.tolist() == [True] * 8 + [False] * 4
    assert open_store(path, require_complete=False).attrs["complete"] is False
    load(path, part="2/2", workers=1)
    finalise(path)
    assert_identical(one_go, path)


@pytest.mark.slow
def test_a_load_killed_at_any_moment_resumes_to_the_same_bits(tmp_path: Path) -> None:
    recipe = make_recipe(dates=RECIPE["dates"], source={"sleep": 0.05, "cells": 4000})
    one_go = create(recipe, tmp_path / "one.zarr", workers=1).path
    for extra in (0.0, 0.01, 0.03):  # lands in different places of a date's writes
        path = init(recipe, tmp_path / f"killed-{extra}.zarr")
        process = _run_loader(path, env={})
        done = zarr.open_group(str(path), mode="r")["_build/done"]
        deadline = time.monotonic() + 60
        while not done[:].any() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(extra)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        loaded = int(build_status(path).done.sum())
        assert 0 < loaded < 12, "the kill should land in the middle of the load"
        load(path, workers=1)
        finalise(path)
        assert_identical(one_go, path)
        assert not list(path.rglob("*.partial"))
