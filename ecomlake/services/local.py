"""The embedded default's services, each built from the settings of the active profile."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from ecomlake.config import REPO_ROOT, Settings
from ecomlake.private_files import write_private
from ecomlake.services.process import Service
from ecomlake.services.sql_access import access_conf, access_hiveconf
from ecomlake.spark import find_jars, spark_conf, without_secrets

DERBY_SERVER_JARS = ("derby", "derbyshared", "derbytools", "derbynet")
VENV_BIN = Path(sys.executable).parent


def metastore_service(cfg: Settings) -> Service:
    """Derby network server: a multi-client database for the shared Hive metastore."""
    home = cfg.var_dir / "metastore"
    home.mkdir(parents=True, exist_ok=True)
    classpath = ":".join(str(j) for j in find_jars(cfg.jars_dir, DERBY_SERVER_JARS))
    java = shutil.which("java") or "java"
    return Service(
        name="metastore",
        command=[
            java,
            "-Xmx512m",
            f"-Dderby.system.home={home}",
            "-cp",
            classpath,
            "org.apache.derby.drda.NetworkServerControl",
            "start",
            "-h",
            cfg.metastore.host,
            "-p",
            str(cfg.metastore.port),
            "-noSecurityManager",
        ],
        host=cfg.metastore.host,
        port=cfg.metastore.port,
        run_dir=cfg.run_dir,
        start_timeout_s=60,
    )


def engine_service(cfg: Settings) -> Service:
    """The warm Spark driver the Airflow tasks send their work to (``orchestration.engine``); it opens its port
    once Spark is up."""
    return Service(
        name="engine",
        command=[sys.executable, "-m", "orchestration.engine"],
        host=cfg.engine.host,
        port=cfg.engine.port,
        run_dir=cfg.run_dir,
        cwd=cfg.run_dir,  # Spark drops scratch files in the working directory
        start_timeout_s=240,
    )


def sql_endpoint_service(cfg: Settings) -> Service:
    """Spark Thrift Server (HiveServer2 protocol) over the shared catalog."""
    import pyspark  # only for the location of its bin/ scripts

    command = [
        str(Path(pyspark.__file__).parent / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
        "--name",
        "ecomlake-sql-endpoint",
    ]
    properties = cfg.var_dir / "secrets" / "spark-sql-endpoint.properties"
    conf = without_secrets(spark_conf(cfg), properties)
    command += ["--properties-file", str(properties)]
    for key, value in {**conf, **access_conf(cfg, conf)}.items():
        command += ["--conf", f"{key}={value}"]
    command += [
        "spark-internal",
        "--hiveconf",
        f"hive.server2.thrift.bind.host={cfg.sql_endpoint.host}",
        "--hiveconf",
        f"hive.server2.thrift.port={cfg.sql_endpoint.port}",
    ]
    for key, value in access_hiveconf(cfg).items():
        command += ["--hiveconf", f"{key}={value}"]
    return Service(
        name="sql-endpoint",
        command=command,
        host=cfg.sql_endpoint.host,
        port=cfg.sql_endpoint.port,
        run_dir=cfg.run_dir,
        cwd=cfg.run_dir,  # Spark and Hive drop scratch files in the working directory
        start_timeout_s=240,
    )


def airflow_passwords(cfg: Settings) -> Path:
    """Airflow's passwords file (0600): ``ECOMLAKE_AIRFLOW_<NAME>_PASSWORD`` for each profile user, else one
    generated once. Written here, so SimpleAuthManager neither makes them itself (it prints new ones to its
    log) nor leaves the file readable by all."""
    path = cfg.var_dir / "secrets" / "airflow-passwords.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    names = [user.split(":")[0] for user in cfg.airflow.users]
    passwords = {name: os.environ.get(f"ECOMLAKE_AIRFLOW_{name.upper()}_PASSWORD") or known.get(name)
                 or secrets.token_urlsafe(18) for name in names}
    if passwords != known:
        write_private(path, json.dumps(passwords) + "\n")
    return path


def airflow_env(cfg: Settings) -> dict[str, str]:
    """Environment of every Airflow process of this project (standalone, CLI, tests)."""
    base = f"http://{cfg.airflow.host}:{cfg.airflow.port}"
    return {
        "AIRFLOW_HOME": str(cfg.var_dir / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__API__HOST": cfg.airflow.host,
        "AIRFLOW__API__PORT": str(cfg.airflow.port),
        # Who may sign in comes from the profile (everyone an admin only on loopback, see infra/profiles).
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": str(cfg.airflow.all_admins),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(cfg.airflow.users),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_passwords(cfg)),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "ECOMLAKE_PROFILE": cfg.profile,
        "ECOMLAKE_VAR": str(cfg.var_dir),
        # `airflow standalone` starts its components through the `airflow` on PATH.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def airflow_service(cfg: Settings) -> Service:
    """Scheduler, triggerer, DAG processor and API server (UI) of ``airflow standalone``."""
    return Service(
        name="airflow",
        command=[str(VENV_BIN / "airflow"), "standalone"],
        host=cfg.airflow.host,
        port=cfg.airflow.port,
        run_dir=cfg.run_dir,
        env=airflow_env(cfg),
        start_timeout_s=240,
    )
