"""The warm engine: one long-lived Spark driver that runs the work of every Airflow task.

An Airflow task is a fresh process. Starting a Spark JVM in each cost 40–80 s of a 50–160 s task under
``airflow standalone`` on two cores, six times between a delivery and its mart. The engine starts Spark once
(``ecomlake up``, or ``ecomlake run`` for the length of its command); a task sends it a call — one of the
platform's entry points (:data:`ENTRY_MODULES`) and its arguments — over an authenticated connection, gets the
call's log records as they happen, then its result or its error.

Each call runs in a thread of its own on a Spark session of its own (its SQL settings and temporary views;
one SparkContext and one catalog for all), so two ingest DAGs still run side by side. dbt runs one call at a
time (:mod:`orchestration.dbt`). A task that dies (killed, timed out, cleared) closes its connection, and the
engine cancels that call's Spark jobs; every call is a transaction keyed by its batches, so the retry is safe.

    python -m orchestration.engine      serve on the profile's [engine] address (the engine service runs this)
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from typing import Any, TypeVar

from ecomlake.config import REPO_ROOT, Settings, settings
from ecomlake.private_files import secret_once

log = logging.getLogger("orchestration.engine")  # also under `python -m`
T = TypeVar("T")

ENTRY_MODULES = frozenset({"orchestration.pipeline", "orchestration.marts", "orchestration.identity",
                           "orchestration.erasure", "orchestration.reports"})
"""Modules whose public functions a caller may run on the engine; nothing else is importable through it."""
PYTHON_CODE = tuple(REPO_ROOT / package for package in ("ecomlake", "spark_jobs", "expectations", "orchestration"))
"""What the engine imported (and cached: contracts, identity rules) once; dbt reads its project per call."""
KEY_ENV = "ECOMLAKE_ENGINE_KEY"
SKIP, DATA_ERROR, ERROR = "skip", "data_error", "error"


class EngineCallError(RuntimeError):
    """A call failed on the engine. ``verdict``: :data:`SKIP` (nothing to do), :data:`DATA_ERROR` (a failed
    gate or dbt test: retrying cannot help) or :data:`ERROR` (possibly transient)."""

    def __init__(self, verdict: str, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


def engine_key(cfg: Settings) -> bytes:
    """The shared secret of engine and callers: ``ECOMLAKE_ENGINE_KEY``, else one generated once (0600)."""
    if key := os.environ.get(KEY_ENV):
        return key.encode()
    return secret_once(cfg.var_dir / "secrets" / "engine.key").encode()


# ---- the caller's side (an Airflow task) ---------------------------------------------------------------

def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` on the engine, its log records replayed here as they come."""
    cfg = settings()
    name = f"{function.__module__}:{function.__qualname__}"
    address = (cfg.engine.host, cfg.engine.port)
    try:
        conn = Client(address, authkey=engine_key(cfg))
    except ConnectionRefusedError as error:
        raise EngineCallError(ERROR, f"no engine answers on {address[0]}:{address[1]}: start it with "
                                     "`ecomlake up` (see `ecomlake status`)") from error
    with conn:
        conn.send((name, args, kwargs))
        while True:
            kind, *body = conn.recv()
            if kind == "log":
                level, logger, message = body
                logging.getLogger(logger).log(level, "%s", message)
            elif kind == "result":
                return body[0]
            else:
                verdict, message = body
                raise EngineCallError(verdict, message)


# ---- the engine's side ---------------------------------------------------------------------------------

class _CallLogs(logging.Handler):
    """Sends each record a call's thread logs to that call's caller (the engine's own log keeps them too)."""

    def __init__(self) -> None:
        super().__init__()
        self.callers: dict[int, Connection] = {}
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if (conn := self.callers.get(record.thread or 0)) is not None:
            with suppress(OSError):  # the caller hung up; the watcher cancels the call
                conn.send(("log", record.levelno, record.name, self.format(record)))

    @contextmanager
    def to(self, conn: Connection) -> Iterator[None]:
        self.callers[threading.get_ident()] = conn
        try:
            yield
        finally:
            del self.callers[threading.get_ident()]


def entry_point(name: str) -> Callable[..., Any]:
    module, _, function = name.partition(":")
    found = (getattr(importlib.import_module(module), function, None)
             if module in ENTRY_MODULES and function.isidentifier() and not function.startswith("_") else None)
    if found is None or getattr(found, "__module__", None) != module:  # not a name the module merely imported
        raise PermissionError(f"{name} is not an entry point of the engine")
    return found


class StaleEngine(RuntimeError):
    """The code on disk changed since the engine started: running its old code would record the new code's
    digest in the marts' lineage, and later runs would skip as if the new code had run."""


def verdict(error: BaseException) -> str:
    """How a task should end for ``error``: skipped, failed for good (bad data), or retried."""
    from expectations.gate import QualityGateError
    from orchestration.dbt import DbtError
    from orchestration.marts import InputsMissing, NothingNew

    if isinstance(error, (InputsMissing, NothingNew)):
        return SKIP
    if isinstance(error, (QualityGateError, DbtError)):
        return DATA_ERROR
    return ERROR


def _cancel_on_hang_up(conn: Connection, spark, group: str, done: threading.Event) -> None:
    """While the call runs, a caller that hangs up (a killed task) gets its Spark jobs cancelled, again
    every second, so the call ends at its next job."""
    hung_up = False
    while not done.wait(1.0):
        if not hung_up and conn.poll(0):  # the caller sends nothing after its call: readable means gone
            hung_up = True
            log.warning("the caller of %s hung up: cancelling its Spark jobs", group)
        if hung_up:
            spark.sparkContext.cancelJobGroup(group)


def _serve_call(conn: Connection, logs: _CallLogs, started_with: str) -> None:
    from ecomlake.spark import own_session
    from orchestration.marts import code_digest

    with conn:
        try:
            name, args, kwargs = conn.recv()
        except Exception as unreadable:  # noqa: BLE001 - a caller gone, or a request that does not unpickle
            log.warning("unreadable call: %r", unreadable)
            return
        group, done = f"{name}/{uuid.uuid4().hex[:8]}", threading.Event()
        with own_session() as spark, logs.to(conn):
            spark.sparkContext.setJobGroup(group, name, interruptOnCancel=True)
            watcher = threading.Thread(target=_cancel_on_hang_up, args=(conn, spark, group, done), daemon=True)
            watcher.start()
            try:
                if code_digest(PYTHON_CODE) != started_with:
                    raise StaleEngine("the platform's code changed since the engine started: restart it "
                                      "(`ecomlake down && ecomlake up`) so it runs what is on disk")
                reply: tuple = ("result", entry_point(name)(*args, **kwargs))
                log.info("%s: done", group)
            except Exception as error:  # noqa: BLE001 - every error goes back to the caller
                outcome, message = verdict(error), f"{type(error).__name__}: {error}"
                if outcome == ERROR:  # unexpected: the traceback says where
                    log.error("%s failed:\n%s", group, traceback.format_exc())
                else:
                    log.info("%s: %s", group, message)
                reply = ("error", outcome, message)
            finally:
                done.set()
                watcher.join()
        try:
            conn.send(reply)
        except OSError:
            log.warning("%s: its caller went away before the reply", group)
        except Exception as unsendable:  # noqa: BLE001 - e.g. a result that does not pickle
            conn.send(("error", ERROR, f"{name} returned what cannot be sent back: {unsendable!r}"))


def serve(cfg: Settings) -> None:
    """Warm Spark, then answer calls until stopped; the port opens only once Spark is up."""
    from ecomlake.spark import get_spark
    from orchestration.marts import code_digest

    get_spark()
    for module in (*ENTRY_MODULES, "expectations.gate", "dbt.cli.main"):  # once, before calls run side by side
        importlib.import_module(module)
    started_with = code_digest(PYTHON_CODE)
    logs = _CallLogs()
    logging.getLogger().addHandler(logs)
    # backlog: the tasks of several DAG runs may connect at once while one caller signs in
    with Listener((cfg.engine.host, cfg.engine.port), backlog=16, authkey=engine_key(cfg)) as listener:
        log.info("engine ready on %s:%s", cfg.engine.host, cfg.engine.port)
        while True:
            try:
                conn = listener.accept()
            except (OSError, EOFError, AuthenticationError) as refused:  # a port probe, or a caller without the key
                log.debug("refused a connection: %r", refused)
                continue
            threading.Thread(target=_serve_call, args=(conn, logs, started_with), daemon=True).start()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(threadName)s %(name)s %(message)s")
    serve(settings())


if __name__ == "__main__":
    main()
