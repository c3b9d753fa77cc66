"""NaN filters: ``apply_mask`` (set NaN where a mask matches) and ``remove_nans``.

``apply_mask`` takes Anemoi's keys: the mask comes from a file (``path``), from a variable of
the pipe (``mask_param``, dropped afterwards unless ``return_mask``) or from each variable
itself (``self_mask``), and matches where it equals ``mask_value`` or passes ``threshold``.

``remove_nans`` either removes the grid points where a reference variable is NaN (Anemoi's
behaviour, for fields defined only over the sea or the land, which gives a smaller,
unstructured grid) or fills NaNs with a value or each field's mean.
"""

from __future__ import annotations

import logging
import operator
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from fc_config.recipes.filters import ApplyMaskFilterConfig, RemoveNansFilterConfig
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._select import FilterError, as_float, matching
from fc_datasets.sources.base import BuildContext, Filter

__all__ = ["OPERATORS", "ApplyMaskFilter", "RemoveNansFilter"]

LOG = logging.getLogger(__name__)

#: Comparisons ``threshold_operator`` may name, as in Anemoi.
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
    "eq": operator.eq,
    "ne": operator.ne,
    "ge": operator.ge,
    "le": operator.le,
}


def _read_mask_file(
    path: str, variable: str | None, where: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Mask values in fc's point order, and the file's coordinates when it has them."""
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False).reshape(-1), None, None
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as npz:
            names = [n for n in npz.files if n not in ("latitudes", "longitudes")]
            name = variable or (names[0] if len(names) == 1 else None)
            if name not in npz.files:
                raise FilterError(
                    f"{where}: give 'mask_variable', one of {', '.join(names)} in '{path}'."
                )
            lat = npz["latitudes"].reshape(-1) if "latitudes" in npz.files else None
            lon = npz["longitudes"].reshape(-1) if "longitudes" in npz.files else None
            return np.asarray(npz[name]).reshape(-1), lat, lon
    import xarray as xr

    from fc_datasets.sources._xarray_layout import LayoutError, analyse

    with xr.open_dataset(path, chunks=None) as ds:
        try:
            layout = analyse(ds)
        except LayoutError as exc:
            raise FilterError(f"{where}: cannot read the mask '{path}': {exc}.") from None
        grid_vars = [
            str(n) for n, v in ds.data_vars.items() if set(layout.grid.dims) <= set(v.dims)
        ]
        name = variable or (grid_vars[0] if len(grid_vars) == 1 else None)
        if name not in grid_vars:
            raise FilterError(
                f"{where}: give 'mask_variable', one of {', '.join(grid_vars)} in '{path}'."
            )
        array = ds[name]
        array = array.isel({d: 0 for d in array.dims if d not in layout.grid.dims})
        values = np.asarray(array.transpose(*layout.grid.dims).values).reshape(-1)
        if layout.grid.order is not None:
            values = values[layout.grid.order]
        return values, layout.grid.latitudes, layout.grid.longitudes


class ApplyMaskFilter(Filter):
    """Set values to NaN where the mask matches (Anemoi's ``apply_mask``)."""

    config_model: ClassVar[type[ApplyMaskFilterConfig]] = ApplyMaskFilterConfig
    config: ApplyMaskFilterConfig

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        self._where = f"apply_mask at {context.path}"
        self._file: tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | None = None
        if self.config.path is not None:
            path = context.resolve_path(self.config.path)
            if not path.exists():
                raise FilterError(f"{self._where}: the mask file '{path}' does not exist.")
            self._file = _read_mask_file(str(path), self.config.mask_variable, self._where)

    def _matches(self, values: np.ndarray) -> np.ndarray:
        cfg = self.config
        with np.errstate(invalid="ignore"):
            if cfg.threshold is not None:
                return np.asarray(OPERATORS[cfg.threshold_operator](values, cfg.threshold))
            return np.asarray(values == cfg.mask_value)

    def _file_mask(self, block: FieldBlock) -> np.ndarray:
        assert self._file is not None
        values, lat, lon = self._file
        if values.size != block.number_of_points:
            raise FilterError(
                f"{self._where}: the mask '{self.config.path}' has {values.size:,} points but "
                f"the fields have {block.number_of_points:,}; they must be on the same grid."
            )
        if (
            lat is not None
            and lon is not None
            and not (
                np.allclose(lat, block.latitudes, atol=1e-6)
                and np.allclose(lon % 360, block.longitudes % 360, atol=1e-6)
            )
        ):
            raise FilterError(
                f"{self._where}: the mask '{self.config.path}' is on other points than the "
                "fields (same number, different coordinates)."
            )
        return self._matches(values)

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with NaN where the mask matches, and the mask variable handled."""
        cfg = self.config
        variables = list(block.variables)
        targets: list[int]
        mask: np.ndarray | None = None
        mask_index: int | None = None
        if cfg.mask_param is not None:
            mask_index = block.index(cfg.mask_param) if cfg.mask_param in variables else None
            if mask_index is None:
                mask_index = matching(block, [cfg.mask_param], where=self._where)[0]
            mask = self._matches(block.data[:, mask_index])  # [date, member, cell]
        elif self._file is not None:
            mask = self._file_mask(block)
        if cfg.param is not None:
            targets = matching(block, cfg.param, where=self._where)
        else:
            targets = [i for i in range(len(variables)) if i != mask_index]
        data = block.data.copy()
        for i in targets:
            if i == mask_index:
                continue
            matched = self._matches(block.data[:, i]) if mask is None else mask
            data[:, i] = np.where(matched, np.nan, block.data[:, i])
        metadata = {k: dict(v) for k, v in block.metadata.items()}
        if cfg.rename:
            for i in targets:
                if i == mask_index:
                    continue
                old, new = variables[i], f"{variables[i]}_{cfg.rename}"
                variables[i] = new
                meta = metadata.pop(old, {"name": old})
                meta["name"] = new
                metadata[new] = meta
        result = block.with_variables(variables, data, metadata)
        if mask_index is not None and not cfg.return_mask:
            keep = [v for k, v in enumerate(variables) if k != mask_index]
            result = result.select(keep)
        return result


class RemoveNansFilter(Filter):
    """Remove the points where a variable is NaN, or fill NaNs (Anemoi's ``remove_nans``)."""

    config_model: ClassVar[type[RemoveNansFilterConfig]] = RemoveNansFilterConfig
    config: RemoveNansFilterConfig

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        self._where = f"remove_nans at {context.path}"
        self._keep: np.ndarray | None = None
        self._grid_of: tuple[np.ndarray, np.ndarray] | None = None

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block without the NaN points, or with its NaNs filled."""
        if self.config.resolved_method == "fill":
            return self._fill(block)
        return self._mask(block)

    def _fill(self, block: FieldBlock) -> FieldBlock:
        cfg = self.config
        targets = (
            matching(block, cfg.param, where=self._where)
            if cfg.param is not None
            else list(range(len(block.variables)))
        )
        data = block.data.copy()
        for i in targets:
            values = block.data[:, i]
            if cfg.value == "mean":
                with warnings.catch_warnings():  # "mean of empty slice": reported below
                    warnings.simplefilter("ignore", RuntimeWarning)
                    fill = np.nanmean(values.astype(np.float64), axis=-1, keepdims=True)
                if np.isnan(fill).any():
                    LOG.warning(
                        "%s: '%s' is NaN everywhere on some date", self._where, block.variables[i]
                    )
            else:
                fill = np.float64(cfg.value)
            data[:, i] = as_float(np.where(np.isnan(values), fill, values), values)
        return block.with_variables(list(block.variables), data, dict(block.metadata))

    def _mask(self, block: FieldBlock) -> FieldBlock:
        cfg = self.config
        reference = matching(block, cfg.param, where=self._where)[0] if cfg.param else 0
        nan = np.isnan(block.data[:, reference])  # [date, member, cell]
        if self._keep is None:
            # the points are fixed on first use, so every date of a dataset has the same grid
            self._keep = ~nan[0].any(axis=0)
            self._grid_of = (block.latitudes, block.longitudes)
            LOG.info(
                "%s: keeping %d of %d points (NaN in '%s' on %s elsewhere)",
                self._where,
                int(self._keep.sum()),
                self._keep.size,
                block.variables[reference],
                block.dates[0],
            )
        keep = self._keep
        if self._grid_of is not None and not (
            self._grid_of[0].shape == block.latitudes.shape
            and np.array_equal(self._grid_of[0], block.latitudes)
            and np.array_equal(self._grid_of[1], block.longitudes)
        ):
            raise FilterError(f"{self._where}: the fields changed grid between calls.")
        if cfg.check:
            for d, date in enumerate(block.dates):
                if not np.array_equal(nan[d].any(axis=0), ~keep):
                    raise FilterError(
                        f"{self._where}: '{block.variables[reference]}' has NaNs at other "
                        f"points on {date} than on the first date; removing them would give "
                        "each date another grid.",
                        hint="Use 'apply_mask' with a fixed mask, or fill the NaNs instead.",
                    )
        grid = {
            "type": "unstructured",
            "name": None,
            "number_of_points": int(keep.sum()),
            "pl": None,
            "area": None,
        }
        return replace(
            block,
            data=np.ascontiguousarray(block.data[..., keep]),
            latitudes=block.latitudes[keep],
            longitudes=block.longitudes[keep],
            grid=grid,
        )
