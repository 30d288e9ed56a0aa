"""Peak resident memory of a process tree, per time window.

The Spark JVM is a grandchild of the command (the engine service starts it), so the command's own peak
(``/usr/bin/time``) misses most of the memory: sample the whole tree instead.
"""

from __future__ import annotations

import threading
import time

import psutil


class TreeMemory:
    """Samples the summed RSS of this process and all its descendants every ``interval`` seconds while open."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="tree-memory", daemon=True)

    def _tree_rss(self) -> int:
        root = psutil.Process()
        total = 0
        for process in (root, *root.children(recursive=True)):
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
        """Largest sample taken between ``start`` and ``end`` (epoch seconds); 0 when none was."""
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)
