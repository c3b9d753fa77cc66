"""A deterministic fake source and recipes for the build tests (init, load, finalise, create).

The fake source computes every date on its own from a seed and the date, so a date's fields do
not depend on which other dates are loaded with it — the property that makes resumed and
split builds bit-identical. Options in its parameters make it misbehave on purpose.
"""

from __future__ import annotations

import copy
import os
import signal
import time
from typing import Any

import numpy as np

from fc_datasets.exceptions import SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import SOURCES, Source

FAKE = "fake-build"


class FakeSource(Source):
    """Fields ``offset + scale * wave(lat, lon, t) + noise`` per variable, member and cell.

    Parameters (a plain dict): ``variables`` (names), ``cells``, ``members``, ``seed``,
    ``sleep`` (seconds per date), ``nans`` ({variable: number of NaN cells per date}),
    ``fail_at`` (a date: raise SourceError), ``drop_at`` (a date: leave out the last variable),
    ``cells_at`` ([date, n]: another grid size on that date). The environment variables
    ``FC_TEST_KILL_AT`` and ``FC_TEST_FAIL_AT`` (a date) make the process SIGKILL itself, or
    the source fail, when asked for that date — switches a resumed load can turn off.
    """

    config_model = None

    def load(self, dates: np.ndarray) -> FieldBlock:
        cfg: dict[str, Any] = dict(self.config or {})
        variables = list(cfg.get("variables", ["a", "b", "c"]))
        cells = int(cfg.get("cells", 16))
        members = int(cfg.get("members", 1))
        dates = np.asarray(dates, dtype="datetime64[s]")
        kill_at = os.environ.get("FC_TEST_KILL_AT")
        fail_at = cfg.get("fail_at") or os.environ.get("FC_TEST_FAIL_AT")
        for date in dates:
            if kill_at and date == np.datetime64(kill_at, "s"):
                os.kill(os.getpid(), signal.SIGKILL)
            if fail_at and date == np.datetime64(fail_at, "s"):
                raise SourceError(
                    f"fake.grib: variable {variables[-1]!r} is missing on {date} "
                    "(the file is truncated)"
                )
        time.sleep(float(cfg.get("sleep", 0.0)) * len(dates))
        if cfg.get("drop_at") and np.datetime64(cfg["drop_at"], "s") in dates:
            variables = variables[:-1]
        if cfg.get("cells_at") and np.datetime64(cfg["cells_at"][0], "s") in dates:
            cells = int(cfg["cells_at"][1])
        lat = np.linspace(-80.0, 80.0, cells)
        lon = np.linspace(0.0, 360.0, cells, endpoint=False)
        data = np.stack([self._date(d, variables, members, lat, lon, cfg) for d in dates])
        return FieldBlock(
            dates=dates,
            variables=variables,
            data=data,
            latitudes=lat,
            longitudes=lon,
            metadata={v: {"name": v, "units": "K", "level_type": "sfc"} for v in variables},
            grid={"type": "unstructured", "number_of_points": cells},
        )

    @staticmethod
    def _date(
        date: np.datetime64,
        variables: list[str],
        members: int,
        lat: np.ndarray,
        lon: np.ndarray,
        cfg: dict[str, Any],
    ) -> np.ndarray:
        hours = int(date.astype("datetime64[h]").astype(np.int64))
        rng = np.random.default_rng([int(cfg.get("seed", 0)), hours])
        out = np.empty((len(variables), members, len(lat)))
        for v, name in enumerate(variables):
            offset, scale = 250.0 + 1000.0 * v, 10.0 + v
            wave = np.sin(np.radians(lat) * (v + 1) + hours / 24.0) * np.cos(np.radians(lon))
            noise = rng.standard_normal((members, len(lat)))
            out[v] = offset + scale * wave + noise
            for c in range(int(cfg.get("nans", {}).get(name, 0))):
                out[v, :, c] = np.nan
        return out


SOURCES.register(FAKE, FakeSource, replace=True)


def make_recipe(**changes: Any) -> dict[str, Any]:
    """A small valid recipe on the fake source: 8 dates, 3 variables, 16 cells, 1 date per task.

    ``changes`` replace top-level sections; ``source={...}`` updates the fake source's options.
    """
    recipe: dict[str, Any] = {
        "description": "build tests",
        "licence": "CC-BY-4.0",
        "attribution": "fc tests",
        "dates": {"start": "2020-01-01T00:00:00", "end": "2020-01-02T18:00:00", "frequency": "6h"},
        "input": {FAKE: {"variables": ["a", "b", "c"], "cells": 16}},
        "build": {"group_by": 1},  # one task per date: resuming is per date
    }
    source = changes.pop("source", None)
    if source:
        recipe["input"][FAKE].update(source)
    recipe.update(copy.deepcopy(changes))
    return recipe


def store_contents(path: Any) -> dict[str, Any]:
    """Every array (as bytes, dtype, shape, chunks) and attribute document of a store.

    Leaves out what legitimately differs between two builds of one recipe: the uuid, the
    provenance (times, command) and the records of which loads ran (``_build/parts``).
    """
    import zarr

    root = zarr.open_group(str(path), mode="r")
    contents: dict[str, Any] = {}
    for name, member in root.members(max_depth=None):
        if name.startswith("_build/parts"):
            continue
        if isinstance(member, zarr.Array):
            values = member[...]
            contents[name] = (values.dtype.str, values.shape, member.chunks, values.tobytes())
        else:
            contents[name + "/attrs"] = dict(member.attrs)
    attrs = dict(root.attrs)
    for key in ("uuid", "provenance"):
        attrs.pop(key, None)
    contents["attrs"] = attrs
    return contents


def assert_identical(a: Any, b: Any) -> None:
    """Assert two stores hold the same arrays bit for bit and the same attributes."""
    left, right = store_contents(a), store_contents(b)
    assert sorted(left) == sorted(right)
    for key in left:
        assert left[key] == right[key], f"{key} differs"
