"""No secret in ``ps``, a Spark plan, the Spark UI, a log or the Data Docs.

The secrets are this test session's own (tests/conftest.py makes them random): the HMAC key, the
inner and outer pads of its HMAC (what a plan built with Spark's ``sha2`` would carry, and the key
follows from either), and the metastore password, which every Spark process of the session uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import stat
import subprocess
import urllib.request
from datetime import datetime

import great_expectations.expectations as gxe
import pytest

from ecomlake.contracts import load_contract
from ecomlake.pii import hmac_key
from expectations.gate import QualityGateError, check
from spark_jobs.silver import conform

SERVICE = load_contract("service")
PHONES = ["+86 139-1234-5678", "13912345678", None]


@pytest.fixture(scope="module")
def session_secrets(platform_env: dict[str, str]) -> dict[str, str]:
    key = platform_env["ECOMLAKE_HMAC_KEY"].encode()
    assert len(key) <= 64  # RFC 2104: a key up to one SHA-256 block is zero-padded, not hashed first
    padded = key.ljust(64, b"\0")
    return {
        "HMAC key": key.decode(),
        "HMAC inner pad": bytes(b ^ 0x36 for b in padded).hex(),
        "HMAC outer pad": bytes(b ^ 0x5C for b in padded).hex(),
        "metastore password": platform_env["ECOMLAKE_METASTORE_PASSWORD"],
    }


def leaked(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secrets ``text`` holds (hex in either case: Spark prints binary literals in upper case)."""
    return [name for name, value in secrets.items() if value.lower() in text.lower()]


def ps_output() -> str:
    """The command lines of every process on the machine: what any local user sees."""
    return subprocess.run(["ps", "-eww", "-o", "pid=,args="], check=True, capture_output=True, text=True).stdout


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def files_under(root, skip) -> dict[str, str]:
    """Text of every file under ``root`` (except those under ``skip``), for a grep."""
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*")
            if p.is_file() and skip not in p.parents and p.stat().st_size < 20_000_000}


def service_bronze(spark):
    """Bronze rows of the service source: two spellings of one phone, and a ticket without one."""
    schema = ", ".join(f"{f.name} {f.type}" for f in SERVICE.fields)
    schema += ", _rescued_data string, _source_file string, _record_hash string, _batch_id string"
    at = datetime(2026, 11, 20, 9, 30)
    rows = [{"ticket_id": f"T{n}", "channel": "hotline", "category": "refund", "contact_phone": phone,
             "contact_email": " Someone@Example.com ", "opened_at": at, "updated_at": at,
             "_source_file": "service/2026-11-20/tickets-2026-11-20.csv", "_record_hash": f"h{n}", "_batch_id": "b1"}
            for n, phone in enumerate(PHONES)]
    return spark.createDataFrame([{f.split()[0]: r.get(f.split()[0]) for f in schema.split(", ")} for r in rows],
                                 schema)


def test_tokens_are_the_keyed_hmac_and_no_plan_ui_log_or_data_doc_holds_the_key(spark, cfg, session_secrets):
    key = session_secrets["HMAC key"].encode()
    silver = conform(service_bronze(spark), SERVICE, hmac_key(cfg)).withColumnRenamed(
        "contact_phone_token", "secrets_probe_token")

    tokens = [r.secrets_probe_token for r in silver.orderBy("ticket_id").collect()]
    expected = hmac.new(key, b"13912345678", hashlib.sha256).hexdigest()
    assert tokens == [expected, expected, None]
    [email_token] = {r.contact_email_token for r in silver.collect()}
    assert email_token == hmac.new(key, b"someone@example.com", hashlib.sha256).hexdigest()

    with contextlib.redirect_stdout(io.StringIO()) as explained:
        silver.explain("extended")
    assert "secrets_probe_token" in explained.getvalue()
    assert leaked(explained.getvalue(), session_secrets) == []

    ui = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{spark.sparkContext.applicationId}"
    sql_tab = json.dumps(get_json(f"{ui}/sql?details=true&planDescription=true&length=100000"))
    assert "secrets_probe_token" in sql_tab  # the SQL tab holds this test's queries
    assert leaked(sql_tab, session_secrets) == []
    environment = json.dumps(get_json(f"{ui}/environment"))
    assert "ConnectionPassword" in environment  # the session does use the password...
    assert leaked(environment, session_secrets) == []  # ...and the UI redacts it

    docs = cfg.var_dir / "quality" / "data_docs"
    with pytest.raises(QualityGateError):  # two tokens unexpected: the Data Docs show them as a sample
        check(silver, "silver.secrets_probe", [gxe.ExpectColumnValuesToBeNull(column="secrets_probe_token")], docs)

    secrets_dir = cfg.var_dir / "secrets"
    for path in secrets_dir.rglob("*") if secrets_dir.exists() else []:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    texts = files_under(cfg.var_dir, skip=secrets_dir)
    assert any(expected in t for p, t in texts.items() if p.startswith(str(docs)))  # the docs of this gate
    assert {p: leaked(t, session_secrets) for p, t in texts.items() if leaked(t, session_secrets)} == {}

    commands = ps_output()
    assert "pyspark-shell" in commands and "NetworkServerControl" in commands  # this session's JVMs
    assert leaked(commands, session_secrets) == []


def spark_ui_of(app_name: str) -> str:
    """The REST root of the local Spark application called ``app_name`` (UIs take ports from 4040 up)."""
    for port in range(4040, 4080):
        with contextlib.suppress(OSError):
            apps = get_json(f"http://127.0.0.1:{port}/api/v1/applications")
            if apps and apps[0]["name"] == app_name:
                return f"http://127.0.0.1:{port}/api/v1/applications/{apps[0]['id']}"
    raise AssertionError(f"no Spark UI for {app_name}")


@pytest.mark.e2e
def test_the_sql_endpoint_has_the_metastore_password_but_not_on_its_command_line(cfg, metastore, session_secrets):
    from pyhive import hive

    from ecomlake.services.local import sql_endpoint_service
    from ecomlake.services.sql_access import sql_password

    service = sql_endpoint_service(cfg)
    service.start()
    try:
        user = cfg.sql_endpoint.service_user
        with hive.connect(host=cfg.sql_endpoint.host, port=cfg.sql_endpoint.port, username=user,
                          password=sql_password(cfg, user), auth="CUSTOM") as conn:
            cursor = conn.cursor()
            cursor.execute("SHOW DATABASES")  # through the metastore, with the password
            assert ("silver",) in cursor.fetchall()
        commands = ps_output()
        assert "HiveThriftServer2" in commands
        assert leaked(commands, session_secrets) == []
        environment = json.dumps(get_json(f"{spark_ui_of('ecomlake-sql-endpoint')}/environment"))
        assert "ConnectionPassword" in environment
        assert leaked(environment, session_secrets) == []
        assert leaked(service.log_file.read_text(), session_secrets) == []
    finally:
        service.stop()
