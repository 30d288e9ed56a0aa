"""SQL text built from names the sources choose reads back as exactly those names."""

import pytest

from ecomlake.sql import sql_in, sql_string

NASTY = ["plain.jsonl", "it's.csv", "back\\slash.csv", "\\'; DROP TABLE x; --", "tab\there", "订单-2026.jsonl",
         "trailing\\", "percent%_.csv", "new\nline"]


@pytest.mark.parametrize("value", NASTY)
def test_a_literal_reads_back_as_the_value(spark, value):
    assert spark.sql(f"SELECT {sql_string(value)} AS v").first().v == value


def test_an_in_list_matches_exactly_its_values(spark):
    rows = spark.createDataFrame([(v,) for v in [*NASTY, "other"]], "name string")
    assert sorted(r.name for r in rows.where(sql_in("name", NASTY)).collect()) == sorted(NASTY)


def test_refused_inputs():
    with pytest.raises(ValueError):
        sql_in("name", [])
    with pytest.raises(ValueError):
        sql_string("nul\0byte")
