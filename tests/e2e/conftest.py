"""The end-to-end session's one SQL endpoint (Spark Thrift Server) and one engine (the warm Spark driver of the
Airflow tasks), each started by the first module that needs it."""

import os
import subprocess

import pytest


def running(service):
    """The service up for the fixture's scope, stopped after."""
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def sql_endpoint(metastore, cfg):
    """It reads the shared metastore live: tables written after it started are visible to it."""
    from ecomlake.services.local import sql_endpoint_service

    yield from running(sql_endpoint_service(cfg))


@pytest.fixture(scope="session")
def warm_engine(metastore, cfg):
    """What `ecomlake up` starts beside Airflow; `ecomlake run` finds it up and uses it."""
    from ecomlake.services.local import engine_service

    yield from running(engine_service(cfg))


@pytest.fixture(scope="session")
def run_ok():
    """``run_ok(env, command)``: a platform command in a subprocess with ``env`` over this one's; its stdout, once
    it exited 0 (else the test fails with the end of its output)."""
    def run(env: dict[str, str], command: list[str]) -> str:
        done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    return run
