"""Spark session factory: Delta enabled, the shared Hive metastore, one conf for every process.

The same :func:`spark_conf` feeds the in-process session (jobs, dbt, tests)
and the ``spark-submit`` command line of the Thrift Server, so every Spark
application sees one catalog.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from ecomlake.config import REPO_ROOT, ConfigError, Settings, settings
from ecomlake.private_files import write_private

log = logging.getLogger(__name__)

LAYERS = ("ops", "bronze", "quarantine", "silver", "silver_candidate", "staging", "intermediate", "marts")
"""Databases of the lakehouse; each lives at ``<lake>/<layer>``."""

# Jars added to pyspark's own: Delta, the client driver of the metastore database, the PII tokeniser.
LOG4J_CONFIG = REPO_ROOT / "infra" / "spark" / "log4j2.properties"
SPARK_JARS = ("delta-spark_4.1_2.13", "delta-storage", "derbyclient", "ecomlake-pii")
# Spark's default spark.redaction.regex: settings it hides in the UI are the ones kept off command lines.
SECRET_SETTING = re.compile(r"(?i)secret|password|token|access[.]?key")


def find_jars(jars_dir: Path, prefixes: tuple[str, ...]) -> list[Path]:
    """One jar per prefix (every jar of a prefix ending in ``/``, a folder) from the Maven-populated cache,
    or a clear error."""
    found = []
    for prefix in prefixes:
        folder = prefix.endswith("/")
        matches = sorted(jars_dir.glob(f"{prefix}*.jar" if folder else f"{prefix}-[0-9]*.jar"))
        if not matches:
            raise ConfigError(f"missing {prefix} jar in {jars_dir}: run `make jars`")
        found.extend(matches if folder else matches[-1:])
    return found


def spark_conf(cfg: Settings) -> dict[str, str]:
    """Every Spark setting the platform needs, as ``spark-submit --conf`` pairs."""
    jars = find_jars(cfg.jars_dir, (*SPARK_JARS, *cfg.spark_jars))
    conf = {
        "spark.master": cfg.spark_master,
        "spark.driver.memory": cfg.driver_memory,
        "spark.sql.shuffle.partitions": str(cfg.shuffle_partitions),
        # VACUUM lists a table's files with this many tasks, 10000 by default: ~12 s a table on two cores.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": str(cfg.shuffle_partitions),
        # Jars on the driver's system classpath so the Hive client and DataNucleus see the driver.
        "spark.driver.extraClassPath": ":".join(str(j) for j in jars),
        "spark.executor.extraClassPath": ":".join(str(j) for j in jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": cfg.lake_root,
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        "spark.hadoop.javax.jdo.option.ConnectionURL": cfg.metastore.jdbc_url,
        "spark.hadoop.javax.jdo.option.ConnectionDriverName": cfg.metastore.jdbc_driver,
        # Create the metastore schema on first use; autoCreateAll deadlocks on PostgreSQL.
        "spark.hadoop.datanucleus.schema.autoCreateAll": "false",
        "spark.hadoop.datanucleus.schema.autoCreateTables": "true",
        "spark.hadoop.datanucleus.schema.autoCreateColumns": "true",
        "spark.hadoop.datanucleus.schema.autoCreateConstraints": "false",
        "spark.hadoop.hive.metastore.schema.verification": "false",
        "spark.hadoop.hive.metastore.schema.verification.record.version": "false",
        # Small tables, two cores: keep Delta's own bookkeeping light.
        "spark.databricks.delta.snapshotPartitions": "2",
        # The profile's own settings (e.g. S3A for an s3a:// lake) come last and win.
        **cfg.spark_extra_conf,
    }
    if cfg.metastore.user:
        conf["spark.hadoop.javax.jdo.option.ConnectionUserName"] = cfg.metastore.user
    if cfg.metastore.password:
        conf["spark.hadoop.javax.jdo.option.ConnectionPassword"] = cfg.metastore.password
    return conf


def without_secrets(conf: dict[str, str], properties: Path) -> dict[str, str]:
    """``conf`` minus its secrets, which go to ``properties`` (0600) for ``spark-submit --properties-file``:
    a command line is visible to every local user in ``ps``."""
    secret = {k: v for k, v in conf.items() if SECRET_SETTING.search(k)}
    escaped = {k: v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r") for k, v in secret.items()}
    write_private(properties, "".join(f"{k}={v}\n" for k, v in escaped.items()))
    return {k: v for k, v in conf.items() if k not in secret}


def build_session(cfg: Settings, app_name: str):  # -> pyspark.sql.SparkSession
    """A new (or this process's existing) session with the platform's conf."""
    from pyspark.sql import SparkSession  # heavy: import only when a session is wanted

    builder = SparkSession.builder.appName(app_name)
    properties = cfg.var_dir / "secrets" / f"spark-{app_name}.properties"
    for key, value in without_secrets(spark_conf(cfg), properties).items():
        builder = builder.config(key, value)
    # pyspark puts every builder setting on the JVM's command line; the secrets go in the file.
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS")
    with_file = f"--properties-file {shlex.quote(str(properties))} {submit_args or 'pyspark-shell'}"
    os.environ["PYSPARK_SUBMIT_ARGS"] = with_file
    try:
        spark = builder.enableHiveSupport().getOrCreate()
    finally:
        os.environ.pop("PYSPARK_SUBMIT_ARGS")
        if submit_args is not None:
            os.environ["PYSPARK_SUBMIT_ARGS"] = submit_args
    spark.sparkContext.setLogLevel("WARN")
    ensure_layers(spark, cfg)
    return spark


def ensure_layers(spark, cfg: Settings) -> None:
    """Create each layer's database at its fixed location, so tables land at ``<lake>/<layer>/<table>``."""
    for layer in LAYERS:
        location = f"{cfg.lake_root}/{layer}"
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {layer} LOCATION '{location}'")


@cache
def _process_session():
    log.info("starting Spark session (master %s)", settings().spark_master)
    return build_session(settings(), "ecomlake")


_own: ContextVar = ContextVar("own_spark_session", default=None)


def get_spark():
    """The warm, long-lived session of this process (one JVM, reused by every task), or inside
    :func:`own_session` that session."""
    return _own.get() or _process_session()


def stop_spark() -> None:
    """Stop this process's session (and its JVM); the next :func:`get_spark` starts a new one."""
    if _process_session.cache_info().currsize:
        _process_session().stop()
        _process_session.cache_clear()


@contextmanager
def own_session() -> Iterator:
    """A session of its own for the work inside (SQL settings such as a commit's metadata, temporary views) on
    this process's JVM and catalog: the engine gives one to each call it runs side by side."""
    session = _process_session().newSession()
    token = _own.set(session)
    jvm_session = session._jvm.SparkSession  # the JVM thread's active session, for Spark's and Delta's own code
    jvm_session.setActiveSession(session._jsparkSession)
    try:
        yield session
    finally:
        jvm_session.clearActiveSession()
        _own.reset(token)
