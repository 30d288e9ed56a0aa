"""The one place that decides the environment.

A profile (``local``, ``cluster``, ``aws``) is a TOML file under
``infra/profiles``; ``ECOMLAKE_PROFILE`` picks it. Job code receives a
:class:`Settings` and never asks which profile it runs under.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILES_DIR = REPO_ROOT / "infra" / "profiles"
DEFAULT_PROFILE = "local"

# "{var}", "{env:NAME}" (required) or "{env:NAME:-default}".
_PLACEHOLDER = re.compile(r"\{(var|env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?)\}")


class ConfigError(RuntimeError):
    """A profile is missing or refers to an unset environment variable."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


@dataclass(frozen=True)
class SqlEndpoint(Endpoint):
    """The Thrift Server: who may connect (users file or LDAP) and what an analyst may read."""

    authentication: str = "CUSTOM"
    service_user: str = "ecomlake"
    analyst_user: str = "analyst"
    analyst_schemas: tuple[str, ...] = ("silver", "staging", "marts")
    ldap_url: str | None = None
    ldap_base_dn: str | None = None


@dataclass(frozen=True)
class AirflowEndpoint(Endpoint):
    """Airflow's UI and API: its SimpleAuthManager users (``name:role``), or everyone an admin (loopback only)."""

    all_admins: bool = False
    users: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metastore:
    managed: bool
    jdbc_url: str
    jdbc_driver: str
    host: str = "127.0.0.1"
    port: int = 1527
    user: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Erasure:
    """When a closed account is erased (PIPL's right to deletion), and how long Delta history keeps it after."""

    # The cooling-off period after an account closure (注销冷静期), counted in data days.
    grace_days: int = 15
    # Older versions of a table keep erased rows until VACUUM removes files older than this.
    retention_hours: int = 168


@dataclass(frozen=True)
class Settings:
    profile: str
    var_dir: Path
    jars_dir: Path
    spark_master: str
    driver_memory: str
    shuffle_partitions: int
    landing_root: str
    lake_root: str
    truth_root: str
    metastore: Metastore
    sql_endpoint: SqlEndpoint
    airflow: AirflowEndpoint
    # The warm Spark driver every Airflow task's work runs on (orchestration.engine).
    engine: Endpoint
    events: dict[str, str]
    # The profile's own jars (a name prefix, or a folder "s3/" for all in it) and Spark settings, e.g. S3A.
    spark_jars: tuple[str, ...] = ()
    spark_extra_conf: dict[str, str] = field(default_factory=dict)
    erasure: Erasure = field(default_factory=Erasure)
    # Models and tests dbt runs side by side on the one Spark session (dbt's --threads).
    dbt_threads: int = 1

    def table_location(self, layer: str, table: str) -> str:
        """Path = table address: ``<lake>/<layer>/<table>``."""
        return f"{self.lake_root}/{layer}/{table}"

    @property
    def run_dir(self) -> Path:
        """Pid files, logs and local service state."""
        return self.var_dir / "run"


def _resolve(value: object, var_dir: Path) -> object:
    if isinstance(value, dict):
        return {k: _resolve(v, var_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, var_dir) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "var":
            return str(var_dir)
        name, has_default, default = key.removeprefix("env:").partition(":-")
        if name in os.environ:
            return os.environ[name]
        if has_default:
            return default
        raise ConfigError(f"profile needs environment variable {name}, which is not set")

    return _PLACEHOLDER.sub(substitute, value)


def _airflow(values: dict) -> AirflowEndpoint:
    return AirflowEndpoint(**{**values, "port": int(values["port"]), "users": tuple(values.get("users", ()))})


def _sql_endpoint(values: dict) -> SqlEndpoint:
    schemas = tuple(values.get("analyst_schemas", SqlEndpoint.analyst_schemas))
    return SqlEndpoint(**{**values, "port": int(values["port"]), "analyst_schemas": schemas})


def load_settings(profile: str | None = None) -> Settings:
    """Read a profile file and resolve its placeholders."""
    name = profile or os.environ.get("ECOMLAKE_PROFILE", DEFAULT_PROFILE)
    path = PROFILES_DIR / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))
        raise ConfigError(f"unknown profile {name!r}; known profiles: {', '.join(known)}")
    var_dir = Path(os.environ.get("ECOMLAKE_VAR", REPO_ROOT / "var")).resolve()
    raw = tomllib.loads(path.read_text())
    section = {
        key: {k: _resolve(v, var_dir) for k, v in values.items()} for key, values in raw.items()
    }
    return Settings(
        profile=name,
        var_dir=var_dir,
        jars_dir=Path(os.environ.get("ECOMLAKE_JARS", REPO_ROOT / ".cache" / "jars")),
        spark_master=section["spark"]["master"],
        driver_memory=section["spark"]["driver_memory"],
        shuffle_partitions=int(section["spark"]["shuffle_partitions"]),
        landing_root=section["storage"]["landing"],
        lake_root=section["storage"]["lake"],
        truth_root=section["storage"]["truth"],
        metastore=Metastore(
            **{**section["metastore"], "port": int(section["metastore"].get("port", 1527))},
            user=os.environ.get("ECOMLAKE_METASTORE_USER"),
            password=os.environ.get("ECOMLAKE_METASTORE_PASSWORD"),
        ),
        sql_endpoint=_sql_endpoint(section["sql_endpoint"]),
        airflow=_airflow(section["airflow"]),
        engine=Endpoint(host=section["engine"]["host"], port=int(section["engine"]["port"])),
        events=section["events"],
        spark_jars=tuple(section["spark"].get("jars", ())),
        spark_extra_conf={k: str(v) for k, v in section["spark"].get("conf", {}).items()},
        erasure=Erasure(**{k: int(v) for k, v in section.get("erasure", {}).items()}),
        dbt_threads=int(section.get("dbt", {}).get("threads", 1)),
    )


@cache
def settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()
