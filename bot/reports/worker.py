"""The render worker: charts and exports are built in a separate process, one job at a time.

matplotlib, numpy and openpyxl cost tens of MiB and hold the GIL for seconds on a big export,
so they never load in the bot process: jobs run in `bot.reports.jobs`, reached by name in a
spawned worker. Jobs queue in arrival order; `ahead` says how many wait before a new one. The
worker is recycled after a few jobs so a large export's memory goes back to the system.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from typing import Any

JOBS = "bot.reports.jobs"
RECYCLE_AFTER = 20
# The worker yields the CPU to the bot: on a 2-core machine an export would otherwise take a
# core from the update path for its whole run (other users' p95 17 -> 41 ms in bench/national.py).
WORKER_NICENESS = 10


@dataclass(frozen=True)
class ExportRequest:
    db_path: str
    forum_id: int
    code: str  # exports.chosen(code)
    period_code: str
    today: date
    zone: str
    fmt: str  # x (xlsx), z (csv in a zip), c (csv files)
    stem: str


@dataclass(frozen=True)
class ExportResult:
    tables: list[tuple[str, int]]  # (table name, rows)
    files: list[tuple[str, bytes, set[str]]]  # (file name, content, tables inside)


def _lower_priority(niceness: int) -> None:
    """Runs once in each new worker process."""
    try:
        os.nice(niceness)
    except OSError:  # not permitted here: run at the bot's priority
        pass


def _call(name: str, *args: Any) -> Any:
    """Runs in the worker: the job module is imported there, on first use."""
    return getattr(importlib.import_module(JOBS), name)(*args)


class RenderWorker:
    def __init__(self, niceness: int = WORKER_NICENESS) -> None:
        self.niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._queued = 0

    @property
    def ahead(self) -> int:
        """Jobs submitted and not finished yet."""
        return self._queued

    async def run(self, name: str, *args: Any) -> Any:
        """Run `jobs.<name>(*args)` in the worker and return its result."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             max_tasks_per_child=RECYCLE_AFTER, initializer=_lower_priority,
                                             initargs=(self.niceness,))
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, _call, name, *args)
        except BrokenProcessPool:
            self._pool = None  # the worker died (out of memory?): the next job starts a new one
            raise
        finally:
            self._queued -= 1

    def pids(self) -> list[int]:
        """The worker process ids (benchmarks read their memory)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return list(processes)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# One worker per bot process (tests share it too: spawning costs a second).
WORKER = RenderWorker()
