"""Running independent build tasks in parallel: inline, dask threads, or dask.distributed.

A load is a list of independent tasks (one per group of dates), each writing its own chunks;
nothing needs to flow between them, so the only job here is to run them, report each result as
it arrives (for the progress bar), and stop at the first failure. dask is imported only when
more than one worker is asked for.

- ``workers=1`` runs the tasks one after another in the calling thread: the simplest and the
  easiest to debug.
- ``workers=N`` (default: the number of CPUs) runs them on dask's local threaded scheduler.
  Threads suit the work: GRIB decoding (eccodes), compression and file writes release the GIL,
  and the input tree is built once per process.
- ``scheduler="tcp://host:8786"`` submits them to an existing ``dask.distributed`` scheduler,
  whose workers must see the dataset at the same path (a shared file system) and have
  fc-datasets and the recipe's plugins installed.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from fc_datasets.exceptions import BuildError

__all__ = ["default_workers", "run_tasks"]

_LOG = logging.getLogger(__name__)


def default_workers() -> int:
    """The number of local worker threads when none is given: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(
    function: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    *,
    on_result: Callable[[Any], None],
    workers: int | None = None,
    scheduler: str | None = None,
    name: str = "fc-task",
) -> None:
    """Run ``function(*args)`` for every ``args`` in ``arguments``; call ``on_result`` on each.

    Parameters
    ----------
    function
        A module-level function (``dask.distributed`` pickles it by reference).
    arguments
        One tuple of positional arguments per task; they must be picklable for a scheduler.
    on_result
        Called in the calling thread with each task's return value, as tasks finish (in any
        order).
    workers
        Local threads; ``None`` for :func:`default_workers`. Ignored with ``scheduler``, whose
        cluster decides.
    scheduler
        Address of a running ``dask.distributed`` scheduler, e.g. ``tcp://10.0.0.1:8786``.
    name
        Prefix of the task keys shown in the dask dashboard.

    Raises
    ------
    Exception
        The first task's error, as the task raised it; tasks already running may still finish.
    """
    if not arguments:
        return
    if scheduler is not None:
        _run_distributed(function, arguments, on_result, scheduler, name)
        return
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise BuildError(f"workers must be a whole number of at least 1, got {workers!r}.")
    if workers == 1 or len(arguments) == 1:
        for args in arguments:
            on_result(function(*args))
        return
    _run_threads(function, arguments, on_result, workers, name)


def _run_threads(
    function: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    on_result: Callable[[Any], None],
    workers: int,
    name: str,
) -> None:
    import dask.threaded
    from dask.callbacks import Callback

    # dask runs independent tasks in descending key order: number them backwards so that the
    # dates load in order (a failed load then leaves a prefix of its part done, as inline)
    count = len(arguments)
    keys: list[Any] = [(name, count - 1 - k) for k in range(count)]
    graph: dict[Any, Any] = {
        key: (function, *args) for key, args in zip(keys, arguments, strict=True)
    }
    wanted = set(keys)

    class _Report(Callback):
        # dask calls _posttask in the scheduling thread, the one that called get()
        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
            if key in wanted:
                on_result(result)

    with _Report():
        dask.threaded.get(graph, keys, num_workers=workers)


def _run_distributed(
    function: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    on_result: Callable[[Any], None],
    address: str,
    name: str,
) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency of fc-datasets
        raise BuildError(
            "a dask scheduler address was given but dask.distributed is not installed; "
            "install it with 'pip install distributed'."
        ) from exc
    try:
        client = Client(address, timeout="30s")
    except OSError as exc:
        raise BuildError(
            f"cannot reach the dask scheduler at {address}: {exc}. Check the address and that "
            "the scheduler is running, or leave --scheduler out to use local threads."
        ) from exc
    with client:
        _LOG.info("submitting %d tasks to the dask scheduler at %s", len(arguments), address)
        token = uuid.uuid4().hex[:8]  # never let a key match an earlier run's cached result
        futures = [
            client.submit(function, *args, key=f"{name}-{token}-{k}", pure=False)
            for k, args in enumerate(arguments)
        ]
        try:
            for future in as_completed(futures):
                on_result(future.result())
        except BaseException:
            client.cancel(futures)
            raise
