"""Who may use the SQL endpoint, and what each role may read.

The Thrift Server authenticates every connection (``hive.server2.authentication``:
``CUSTOM`` with the platform's users file, or ``LDAP`` on a site that has one) and
the ``ecomlake.sql.AccessCheck`` rule (infra/jvm) rejects any plan of a restricted
role that touches a schema closed to it. The users file holds roles and salted
PBKDF2 hashes, never a password, and is only readable by the owner; passwords come
from ``ECOMLAKE_SQL_SERVICE_PASSWORD`` / ``ECOMLAKE_SQL_ANALYST_PASSWORD`` or, in a
local checkout, are generated once into ``<var>/secrets/sql-<user>.password``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from ecomlake.config import Settings
from ecomlake.private_files import secret_once, write_private
from ecomlake.spark import find_jars

SERVICE_ROLE = "service"
ANALYST_ROLE = "analyst"
ACCESS_JAR = "ecomlake-sql-endpoint"
PBKDF2_ITERATIONS = 100_000
# Shown in the error an analyst gets; schemas not listed get a generic reason.
CLOSED_BECAUSE = {
    "bronze": "raw PII (phones, emails, names in clear)",
    "quarantine": "raw PII of rejected rows",
    "ops": "platform bookkeeping",
    "silver_candidate": "unchecked candidates before their gate",
    "marts_candidate": "unchecked candidates before their gate",
}


def local_password_file(cfg: Settings, user: str) -> Path:
    """Where a local checkout keeps ``user``'s generated password (for ``beeline -w``)."""
    return cfg.var_dir / "secrets" / f"sql-{user}.password"


def sql_password(cfg: Settings, user: str) -> str:
    """The endpoint password of ``user`` (the service or the analyst user of the profile)."""
    role = SERVICE_ROLE if user == cfg.sql_endpoint.service_user else ANALYST_ROLE
    if password := os.environ.get(f"ECOMLAKE_SQL_{role.upper()}_PASSWORD"):
        return password
    return secret_once(local_password_file(cfg, user))


def users_file(cfg: Settings) -> Path:
    """Write the endpoint's users file (0600, replaced atomically) and return its path."""
    endpoint = cfg.sql_endpoint
    lines = [
        f"pbkdf2.iterations={PBKDF2_ITERATIONS}",
        f"default.role={ANALYST_ROLE}",  # LDAP users the file does not list are analysts
        f"role.{SERVICE_ROLE}.schemas=*",
        f"role.{ANALYST_ROLE}.schemas={','.join(endpoint.analyst_schemas)}",
        *(f"schema.{schema}.reason={reason}" for schema, reason in CLOSED_BECAUSE.items()),
    ]
    for user, role in ((endpoint.service_user, SERVICE_ROLE), (endpoint.analyst_user, ANALYST_ROLE)):
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", sql_password(cfg, user).encode(), salt, PBKDF2_ITERATIONS)
        lines += [f"user.{user}.role={role}", f"user.{user}.salt={salt.hex()}",
                  f"user.{user}.pbkdf2_sha256={digest.hex()}"]
    return write_private(cfg.var_dir / "secrets" / "sql-users.properties", "\n".join(lines) + "\n")


def access_conf(cfg: Settings, conf: dict[str, str]) -> dict[str, str]:
    """Spark settings of the endpoint only: the access-check extension after Delta's, its jar on the driver."""
    (jar,) = find_jars(cfg.jars_dir, (ACCESS_JAR,))
    return {
        "spark.sql.extensions": f"{conf['spark.sql.extensions']},ecomlake.sql.AccessControlExtension",
        "spark.driver.extraClassPath": f"{conf['spark.driver.extraClassPath']}:{jar}",
    }


def access_hiveconf(cfg: Settings) -> dict[str, str]:
    """HiveServer2 settings: authentication, no user substitution, where the roles are."""
    endpoint = cfg.sql_endpoint
    hiveconf = {
        "hive.server2.authentication": endpoint.authentication,
        # A client could otherwise ask to act as another user (hive.server2.proxy.user).
        "hive.server2.allow.user.substitution": "false",
        "ecomlake.sql.users": str(users_file(cfg)),
    }
    if endpoint.authentication == "CUSTOM":
        hiveconf["hive.server2.custom.authentication.class"] = "ecomlake.sql.PasswordAuthenticator"
    elif endpoint.authentication == "LDAP":
        hiveconf["hive.server2.authentication.ldap.url"] = str(endpoint.ldap_url)
        hiveconf["hive.server2.authentication.ldap.baseDN"] = str(endpoint.ldap_base_dn)
    return hiveconf
