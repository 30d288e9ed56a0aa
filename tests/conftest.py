"""One isolated platform per test session: its own data root, metastore port and Spark JVM."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import pytest

# py4j logs at INFO while the interpreter shuts down, after pytest closed its streams.
logging.getLogger("py4j").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def platform_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of an isolated local profile; also applied to this process."""
    from ecomlake.config import settings

    env = {
        "ECOMLAKE_PROFILE": "local",
        "ECOMLAKE_VAR": str(tmp_path_factory.mktemp("var")),
        "ECOMLAKE_METASTORE_PORT": str(free_port()),
        "ECOMLAKE_SQL_PORT": str(free_port()),
        "ECOMLAKE_AIRFLOW_PORT": str(free_port()),
        "ECOMLAKE_HMAC_KEY": "test-only-key",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings.cache_clear()
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    settings.cache_clear()


@pytest.fixture(scope="session")
def cfg(platform_env: dict[str, str]):
    from ecomlake.config import settings

    return settings()


@pytest.fixture(scope="session")
def metastore(cfg):
    """The shared metastore database (Derby network server) for this session."""
    from ecomlake.services.local import metastore_service

    service = metastore_service(cfg)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def spark(metastore):
    """The one Spark session of the test run, on the shared catalog."""
    from ecomlake.spark import get_spark

    session = get_spark()
    yield session
    session.stop()
    get_spark.cache_clear()
