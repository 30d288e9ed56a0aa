"""Peak resident memory of a process tree, per time window.

The Spark JVM is a grandchild of the command (the engine service starts it), so the command's own peak
(``/usr/bin/time``) misses most of the memory: sample the whole tree instead, and the trees of the services
already running (``make up``), found by their pid files.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil


class TreeMemory:
    """Samples the summed RSS of this process, the services whose pid files are in ``run_dir``, and all their
    descendants, every ``interval`` seconds while open."""

    def __init__(self, run_dir: Path, interval: float = 0.5) -> None:
        self.run_dir = run_dir
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="tree-memory", daemon=True)

    def _roots(self) -> list[psutil.Process]:
        roots = [psutil.Process()]
        for pid_file in self.run_dir.glob("*.pid"):
            try:
                roots.append(psutil.Process(int(pid_file.read_text())))
            except (ValueError, OSError, psutil.NoSuchProcess):
                continue  # a stale or half-written pid file
        return roots

    def _tree_rss(self) -> int:
        processes: dict[int, psutil.Process] = {}
        for root in self._roots():
            try:
                processes |= {p.pid: p for p in (root, *root.children(recursive=True))}
            except psutil.NoSuchProcess:
                continue
        total = 0
        for process in processes.values():  # each once, though a service is also this process's child
            try:
                total += process.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue  # ended between the listing and the reading
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), self._tree_rss()))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> int:
        """Largest sample taken between ``start`` and ``end`` (epoch seconds), or for a window shorter than the
        sampling interval the sample nearest to it."""
        inside = [rss for at, rss in self.samples if start <= at <= end]
        if inside or not self.samples:
            return max(inside, default=0)
        return min(self.samples, key=lambda sample: abs(sample[0] - start))[1]
