import pytest

from ecomlake.config import ConfigError, load_settings


def test_local_profile_puts_everything_under_the_data_root(monkeypatch, tmp_path):
    monkeypatch.setenv("ECOMLAKE_VAR", str(tmp_path))
    monkeypatch.delenv("ECOMLAKE_METASTORE_PORT", raising=False)
    cfg = load_settings("local")
    assert cfg.lake_root == f"{tmp_path}/lake"
    assert cfg.landing_root == f"{tmp_path}/landing"
    assert cfg.table_location("bronze", "orders") == f"{tmp_path}/lake/bronze/orders"
    assert cfg.metastore.managed and cfg.metastore.port == 1527
    assert "1527" in cfg.metastore.jdbc_url
    assert cfg.dbt_threads == 2  # one node per core


def test_env_placeholder_with_default_can_be_overridden(monkeypatch):
    monkeypatch.setenv("ECOMLAKE_METASTORE_PORT", "15999")
    cfg = load_settings("local")
    assert cfg.metastore.port == 15999
    assert ":15999/" in cfg.metastore.jdbc_url


def test_aws_profile_names_the_missing_variable(monkeypatch):
    monkeypatch.delenv("SPARK_MASTER", raising=False)
    with pytest.raises(ConfigError, match="SPARK_MASTER"):
        load_settings("aws")


def test_aws_profile_resolves_to_s3_when_configured(monkeypatch):
    monkeypatch.setenv("SPARK_MASTER", "spark://10.0.0.1:7077")
    monkeypatch.setenv("ECOMLAKE_BUCKET", "shop-lake")
    monkeypatch.setenv("ECOMLAKE_METASTORE_JDBC_URL", "jdbc:postgresql://db/metastore")
    monkeypatch.setenv("ECOMLAKE_SQL_HOST", "thrift.internal")
    monkeypatch.setenv("ECOMLAKE_ARRIVALS_QUEUE_PREFIX", "https://sqs.cn-north-1.amazonaws.com.cn/1/arrivals-")
    cfg = load_settings("aws")
    assert cfg.lake_root == "s3a://shop-lake/lake"
    assert not cfg.metastore.managed
    assert cfg.events["queue_url"] == "https://sqs.cn-north-1.amazonaws.com.cn/1/arrivals-{source}"
    assert cfg.dbt_threads == 8
    monkeypatch.setenv("ECOMLAKE_DBT_THREADS", "3")
    assert load_settings("aws").dbt_threads == 3


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ConfigError, match="aws, cluster, local"):
        load_settings("laptop")
