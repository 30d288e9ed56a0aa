"""The SQL endpoint asks who you are: analysts read silver and marts, never bronze or quarantine (beeline, PyHive)."""

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

# Hand-written tables, one tiny table per layer: what each user must (or must not) get back.
TABLES = {
    "bronze.access_users": ("user_id int, phone string", [(1, "13800000001"), (2, "13800000002")]),
    "quarantine.access_users": ("user_id int, phone string", [(3, "not-a-phone")]),
    "silver.access_users": ("user_id int, phone_token string", [(1, "token-1"), (2, "token-2")]),
    "marts.access_daily": ("year int, users int", [(2026, 2)]),
    "ops.access_ledger": ("batch int", [(1,)]),
}
ROWS = {table: rows for table, (_, rows) in TABLES.items()}
ANALYST_DENIED = {
    "select * from bronze.access_users": "may not read bronze.access_users: raw PII",
    "select * from quarantine.access_users": "may not read quarantine.access_users: raw PII",
    # a permanent view in an open schema over a closed one
    "select * from silver.access_leak": "may not read bronze.access_users",
    "select s.user_id from silver.access_users s join bronze.access_users b on s.user_id = b.user_id":
        "may not read bronze.access_users",
    "select count(*) from silver.access_users where user_id in (select user_id from bronze.access_users)":
        "may not read bronze.access_users",
    "select (select max(phone) from quarantine.access_users) from marts.access_daily":
        "may not read quarantine.access_users",
    "with q as (select * from bronze.access_users) select phone from q": "may not read bronze.access_users",
    "select * from ops.access_ledger": "may not read ops.access_ledger",
    # reading the files by path, and a table of one's own over them
    "select * from delta.`{lake}/bronze/access_users`": "may not read bronze",
    "create table silver.access_evil using delta location '{lake}/bronze/access_users'": "may only query",
    "drop table bronze.access_users": "may only query",
    # static Java methods run in the server
    "select reflect('java.lang.System', 'getProperty', 'ecomlake.sql.users')": "may not call Java methods",
}


@pytest.fixture(scope="module")
def lake(spark):
    for table, (schema, rows) in TABLES.items():
        spark.createDataFrame(rows, schema).write.format("delta").mode("overwrite").saveAsTable(table)
    spark.sql("create or replace view silver.access_leak as select * from bronze.access_users")


@pytest.fixture(scope="module")
def passwords(lake, sql_endpoint, cfg) -> dict[str, str]:
    from ecomlake.services.sql_access import sql_password

    return {user: sql_password(cfg, user) for user in (cfg.sql_endpoint.analyst_user, cfg.sql_endpoint.service_user)}


def pyhive(cfg, user: str, password: str | None, query: str, **kwargs) -> list[tuple]:
    from pyhive import hive

    auth = {"auth": "CUSTOM", "password": password} if password is not None else {}
    with hive.connect(host=cfg.sql_endpoint.host, port=cfg.sql_endpoint.port, username=user, **auth, **kwargs) as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        return cursor.fetchall()


def beeline(cfg, query: str, user: str | None = None, password_file: Path | None = None):
    """beeline as a user runs it; the password comes from a file (-w), never the command line."""
    import pyspark

    command = [str(Path(pyspark.__file__).parent / "bin" / "beeline"),
               "-u", f"jdbc:hive2://{cfg.sql_endpoint.host}:{cfg.sql_endpoint.port}",
               "--silent=true", "--outputformat=csv2", "-e", query]
    command += ["-n", user] if user else []
    command += ["-w", str(password_file)] if password_file else []
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def password_file(tmp_path: Path, password: str) -> Path:
    """A 0600 file for ``beeline -w``, one per password (named by count: a path shows in ``ps``)."""
    path = tmp_path / f"password-{len(list(tmp_path.glob('password-*')))}"
    path.touch(mode=0o600)
    path.write_text(password)
    return path


def csv_rows(stdout: str) -> list[str]:
    return [line for line in stdout.strip().splitlines()[1:] if line]


def test_a_connection_without_the_right_password_is_refused(sql_endpoint, passwords, cfg, tmp_path):
    from thrift.transport.TTransport import TTransportException

    analyst = cfg.sql_endpoint.analyst_user
    for user, password in [(analyst, None), (analyst, "wrong"), ("nobody", passwords[analyst])]:
        with pytest.raises(TTransportException):
            pyhive(cfg, user, password, "select 1")
    for args in [{"user": analyst}, {"user": analyst, "password_file": password_file(tmp_path, "wrong")},
                 {"user": "nobody", "password_file": password_file(tmp_path, passwords[analyst])}]:
        done = beeline(cfg, "select 1", **args)
        assert done.returncode != 0 and "Error validating the login" in done.stdout + done.stderr, args


def test_analyst_reads_silver_and_marts(sql_endpoint, passwords, cfg, tmp_path):
    analyst = cfg.sql_endpoint.analyst_user
    assert sorted(pyhive(cfg, analyst, passwords[analyst], "select * from silver.access_users")) == \
        ROWS["silver.access_users"]
    assert pyhive(cfg, analyst, passwords[analyst], "select * from marts.access_daily") == ROWS["marts.access_daily"]
    done = beeline(cfg, "select * from silver.access_users order by user_id", analyst,
                   password_file(tmp_path, passwords[analyst]))
    assert done.returncode == 0, done.stderr[-2000:]
    assert csv_rows(done.stdout) == [f"{i},{p}" for i, p in ROWS["silver.access_users"]]


@pytest.mark.parametrize("query", ANALYST_DENIED)
def test_analyst_cannot_read_bronze_quarantine_or_ops_however_asked(sql_endpoint, passwords, cfg, query):
    from pyhive.exc import OperationalError

    analyst = cfg.sql_endpoint.analyst_user
    with pytest.raises(OperationalError) as denied:
        pyhive(cfg, analyst, passwords[analyst], query.format(lake=cfg.lake_root))
    assert f"user {analyst} (role analyst) {ANALYST_DENIED[query]}" in str(denied.value)


def test_analyst_is_denied_through_beeline_too(sql_endpoint, passwords, cfg, tmp_path):
    analyst = cfg.sql_endpoint.analyst_user
    done = beeline(cfg, "select * from bronze.access_users", analyst, password_file(tmp_path, passwords[analyst]))
    assert done.returncode != 0
    assert f"user {analyst} (role analyst) may not read bronze.access_users: raw PII" in done.stdout + done.stderr
    assert ROWS["bronze.access_users"][0][1] not in done.stdout


def test_service_user_reads_bronze_and_quarantine(sql_endpoint, passwords, cfg, tmp_path):
    service = cfg.sql_endpoint.service_user
    for table in ("bronze.access_users", "quarantine.access_users", "silver.access_leak"):
        expected = ROWS["bronze.access_users" if table.endswith("leak") else table]
        assert sorted(pyhive(cfg, service, passwords[service], f"select * from {table}")) == expected
    done = beeline(cfg, "select user_id, phone from bronze.access_users order by user_id", service,
                   password_file(tmp_path, passwords[service]))
    assert done.returncode == 0, done.stderr[-2000:]
    assert csv_rows(done.stdout) == [f"{i},{p}" for i, p in ROWS["bronze.access_users"]]


def test_each_connection_is_checked_as_its_own_user(sql_endpoint, passwords, cfg):
    """Two open connections, statements interleaved: each sees its own user, not the last one's."""
    from pyhive import hive
    from pyhive.exc import OperationalError

    connect = {"host": cfg.sql_endpoint.host, "port": cfg.sql_endpoint.port, "auth": "CUSTOM"}
    analyst, service = cfg.sql_endpoint.analyst_user, cfg.sql_endpoint.service_user
    with hive.connect(username=analyst, password=passwords[analyst], **connect) as as_analyst, \
            hive.connect(username=service, password=passwords[service], **connect) as as_service:
        for _ in range(2):
            for conn, user in ((as_analyst, analyst), (as_service, service)):
                cursor = conn.cursor()
                cursor.execute("select current_user()")
                assert cursor.fetchone() == (user,)
            cursor = as_service.cursor()
            cursor.execute("select count(*) from bronze.access_users")
            assert cursor.fetchone() == (len(ROWS["bronze.access_users"]),)
            with pytest.raises(OperationalError, match="may not read bronze.access_users"):
                as_analyst.cursor().execute("select count(*) from bronze.access_users")


def test_analyst_cannot_act_as_the_service_user(sql_endpoint, passwords, cfg):
    from pyhive.exc import OperationalError

    analyst, service = cfg.sql_endpoint.analyst_user, cfg.sql_endpoint.service_user
    with pytest.raises(OperationalError, match="substitution is not allowed"):
        pyhive(cfg, analyst, passwords[analyst], "select * from bronze.access_users",
               configuration={"hive.server2.proxy.user": service})
