"""Start and stop a local background service: one process group, a pid file, a log, a port."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class ServiceError(RuntimeError):
    """A service did not come up; the message points at its log."""


@dataclass
class Service:
    """A long-running local process that answers on ``host:port`` once ready."""

    name: str
    command: list[str]
    host: str
    port: int
    run_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    start_timeout_s: float = 180.0
    ready: Callable[[], bool] | None = None
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    def is_ready(self) -> bool:
        return self.ready() if self.ready else port_open(self.host, self.port)

    def start(self) -> bool:
        """Start unless already answering; returns whether this call started it."""
        if self.is_ready():
            log.info("%s already up on %s:%s", self.name, self.host, self.port)
            return False
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log.info("starting %s on %s:%s (log: %s)", self.name, self.host, self.port, self.log_file)
        with self.log_file.open("ab") as out:
            proc = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=True,  # own process group: stop() ends all its children
            )
        self._proc = proc
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServiceError(f"{self.name} exited with {proc.returncode}; see {self.log_file}")
            if self.is_ready():
                log.info("%s is up", self.name)
                return True
            time.sleep(1)
        self.stop()
        raise ServiceError(f"{self.name} not ready after {self.start_timeout_s:.0f}s; see {self.log_file}")

    def stop(self, timeout_s: float = 60.0) -> bool:
        """TERM the process group, KILL it if it lingers; returns whether anything was running."""
        if not self.pid_file.exists():
            return False
        pid = int(self.pid_file.read_text())
        self.pid_file.unlink()
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        log.info("stopping %s (pid %s)", self.name, pid)
        if self._wait_group(pid, timeout_s):
            return True
        log.warning("%s ignored TERM for %.0fs; killing it", self.name, timeout_s)
        os.killpg(pid, signal.SIGKILL)
        self._wait_group(pid, 10)
        return True

    def _wait_group(self, pid: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                self._proc = None  # reaped: a zombie would keep the group alive
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.5)
        return False
