"""A gate computes only the columns its suite reads, and all of them when it cannot tell."""

from types import SimpleNamespace

import great_expectations.expectations as gxe

from expectations.gate import _columns_read

TABLE = SimpleNamespace(columns=["order_id", "user_id", "amount_fen", "paid_at", "created_at", "payload"])


def test_only_the_columns_named_in_the_table_order():
    suite = [gxe.ExpectColumnValuesToNotBeNull(column="paid_at"),
             gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="paid_at", column_B="created_at"),
             gxe.ExpectCompoundColumnsToBeUnique(column_list=["user_id", "order_id"]),
             gxe.ExpectTableRowCountToBeBetween(min_value=1)]
    assert _columns_read(TABLE, suite) == ["order_id", "user_id", "paid_at", "created_at"]


def test_a_row_count_alone_keeps_one_column():
    assert _columns_read(TABLE, [gxe.ExpectTableRowCountToBeBetween(min_value=1)]) == ["order_id"]


def test_a_row_condition_keeps_every_column():
    suite = [gxe.ExpectColumnValuesToBeNull(column="user_id", row_condition="amount_fen > 0",
                                            condition_parser="spark")]
    assert _columns_read(TABLE, suite) == TABLE.columns


def test_an_expectation_on_the_whole_table_keeps_every_column():
    suite = [gxe.ExpectColumnValuesToNotBeNull(column="paid_at"),
             gxe.ExpectTableColumnsToMatchSet(column_set=["order_id"])]
    assert _columns_read(TABLE, suite) == TABLE.columns
