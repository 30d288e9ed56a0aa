"""Airflow asks who you are wherever it listens beyond loopback: users and roles come from the profile."""

import json
import stat
from pathlib import Path

import pytest

from ecomlake.config import load_settings
from ecomlake.services.local import airflow_env

CLUSTER_ENV = {"SPARK_MASTER": "spark://10.0.0.1:7077", "ECOMLAKE_LANDING": "/data/landing",
               "ECOMLAKE_LAKE": "/data/lake", "ECOMLAKE_TRUTH": "/data/truth",
               "ECOMLAKE_METASTORE_JDBC_URL": "jdbc:postgresql://db/metastore", "ECOMLAKE_SQL_HOST": "thrift.internal"}


@pytest.fixture
def airflow_conf(monkeypatch, tmp_path):
    """Airflow's own configuration as a process with ``airflow_env`` of ``profile`` reads it."""
    monkeypatch.setenv("ECOMLAKE_VAR", str(tmp_path))
    for name, value in CLUSTER_ENV.items():
        monkeypatch.setenv(name, value)

    def read(profile: str):
        from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager
        from airflow.configuration import conf

        cfg = load_settings(profile)
        for name, value in airflow_env(cfg).items():
            monkeypatch.setenv(name, value)
        return cfg, conf, SimpleAuthManager

    return read


def test_cluster_airflow_has_users_with_roles_and_no_all_admins(airflow_conf, monkeypatch):
    monkeypatch.setenv("ECOMLAKE_AIRFLOW_ADMIN_PASSWORD", "from-the-environment")
    cfg, conf, manager = airflow_conf("cluster")
    assert cfg.airflow.host == "0.0.0.0"
    assert conf.getboolean("core", "simple_auth_manager_all_admins") is False
    assert {(u.username, u.role) for u in manager.get_users()} == {("admin", "admin"), ("analyst", "viewer")}
    passwords_file = conf.get("core", "simple_auth_manager_passwords_file")
    assert passwords_file.startswith(str(cfg.var_dir / "secrets"))
    assert stat.S_IMODE(Path(passwords_file).stat().st_mode) == 0o600
    passwords = manager.get_passwords()
    assert passwords["admin"] == "from-the-environment"
    assert len(passwords["analyst"]) >= 20
    first = passwords["analyst"]
    airflow_conf("cluster")  # a second process of the same deployment keeps the generated password
    assert json.loads(Path(passwords_file).read_text())["analyst"] == first


def test_local_airflow_lets_everyone_in_as_admin_on_loopback_only(airflow_conf):
    cfg, conf, _ = airflow_conf("local")
    assert cfg.airflow.host == "127.0.0.1"
    assert conf.getboolean("core", "simple_auth_manager_all_admins") is True
