"""One isolated platform per test session: its own data root, metastore port and Spark JVM.

``ECOMLAKE_TEST_PROFILE=aws`` runs the session on the aws profile instead: landing, lake and
truth in a bucket of moto's S3 server on loopback (Spark through s3a://, the platform through
boto3), the session's Derby standing in for the external metastore database.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# py4j logs at INFO while the interpreter shuts down, after pytest closed its streams.
logging.getLogger("py4j").setLevel(logging.WARNING)


TEST_PROFILE = os.environ.get("ECOMLAKE_TEST_PROFILE", "local")
TEST_BUCKET = "ecomlake-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3/SQS server on a free loopback port, for the session."""
    from ecomlake.services.process import port_open

    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        assert server.poll() is None and time.monotonic() < deadline, "moto_server did not start"
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)
    log.close()


def aws_profile_env(endpoint: str, metastore_port: str) -> dict[str, str]:
    """What an operator sets for the aws profile, pointed at the loopback server and the session's Derby."""
    return {
        "ECOMLAKE_PROFILE": "aws",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ECOMLAKE_S3_PATH_STYLE": "true",
        "ECOMLAKE_BUCKET": TEST_BUCKET,
        "SPARK_MASTER": "local[2]",
        "ECOMLAKE_DRIVER_MEMORY": "2g",
        "ECOMLAKE_SHUFFLE_PARTITIONS": "4",
        "ECOMLAKE_METASTORE_JDBC_URL": f"jdbc:derby://127.0.0.1:{metastore_port}/metastore_db;create=true",
        "ECOMLAKE_METASTORE_JDBC_DRIVER": "org.apache.derby.jdbc.ClientDriver",
        "ECOMLAKE_SQL_HOST": "127.0.0.1",
        "ECOMLAKE_ARRIVALS_QUEUE_PREFIX": f"{endpoint}/123456789012/arrivals-",
    }


@pytest.fixture(scope="session")
def platform_env(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment of an isolated local (or, see above, aws) profile; also applied to this process."""
    from ecomlake.config import settings

    env = {
        "ECOMLAKE_PROFILE": "local",
        "ECOMLAKE_VAR": str(tmp_path_factory.mktemp("var")),
        "ECOMLAKE_METASTORE_PORT": str(free_port()),
        "ECOMLAKE_SQL_PORT": str(free_port()),
        "ECOMLAKE_AIRFLOW_PORT": str(free_port()),
        "ECOMLAKE_ENGINE_PORT": str(free_port()),
        # Random per session, so tests/security can grep for them; Derby (no authentication) ignores the password.
        "ECOMLAKE_HMAC_KEY": f"test-only-key-{secrets.token_hex(8)}",
        "ECOMLAKE_METASTORE_PASSWORD": f"test-only-password-{secrets.token_hex(8)}",
    }
    if TEST_PROFILE == "aws":
        env.update(aws_profile_env(request.getfixturevalue("moto_endpoint"), env["ECOMLAKE_METASTORE_PORT"]))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings.cache_clear()
    if TEST_PROFILE == "aws":
        from ecomlake.storage import s3_client

        s3_client().create_bucket(Bucket=TEST_BUCKET)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    settings.cache_clear()


@pytest.fixture(scope="module")
def second_platform_env(platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of another, empty platform beside the session's (its own data root and ports, the same
    keys), for a command to run in a subprocess; nothing of it is applied to this process."""
    return {**platform_env, "ECOMLAKE_VAR": str(tmp_path_factory.mktemp("second-var")),
            "ECOMLAKE_METASTORE_PORT": str(free_port()), "ECOMLAKE_SQL_PORT": str(free_port()),
            "ECOMLAKE_AIRFLOW_PORT": str(free_port()), "ECOMLAKE_ENGINE_PORT": str(free_port())}


@pytest.fixture(scope="session")
def cfg(platform_env: dict[str, str]):
    from ecomlake.config import settings

    return settings()


@pytest.fixture(scope="session")
def metastore(cfg):
    """The shared metastore database (Derby network server) for this session; on the aws profile it stands in
    for the external database (the local profile's service, at the port the JDBC URL names)."""
    from ecomlake.config import load_settings
    from ecomlake.services.local import metastore_service

    service = metastore_service(load_settings("local"))
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def spark(metastore):
    """The one Spark session of the test run, on the shared catalog."""
    from ecomlake.spark import get_spark, stop_spark

    yield get_spark()
    stop_spark()


@pytest.fixture(scope="session")
def content_hash(spark):
    """``content_hash(table, where)``: an order-independent hash of every column of the rows ``where`` keeps,
    load times included, to show a re-run left a table exactly as it was."""
    import hashlib

    from pyspark.sql import functions as F

    def hash_of(table: str, where: str = "true") -> str:
        df = spark.table(table).where(where)
        rows = df.select(F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("h")).collect()
        return hashlib.sha256("".join(sorted(r.h for r in rows)).encode()).hexdigest()

    return hash_of
