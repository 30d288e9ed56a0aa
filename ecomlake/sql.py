"""Spark SQL literals for the few places that only take SQL text (e.g. Delta's ``replaceWhere``).

Spark's string literals escape with a backslash (``'it\\'s'``; ``\\b`` would be a backspace), so a
quote-doubling escaper silently changes names that hold a backslash. Prefer Column expressions; use
these where an API insists on a string.
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_string(value: str) -> str:
    """``value`` as a Spark SQL string literal that reads back as exactly ``value``."""
    if "\0" in value:
        raise ValueError(f"a NUL character cannot be part of a SQL string literal: {value!r}")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sql_in(column: str, values: Iterable[str]) -> str:
    """``column IN ('a', 'b')`` with every value quoted by :func:`sql_string`; never an empty list."""
    quoted = [sql_string(v) for v in values]
    if not quoted:
        raise ValueError(f"an IN list on {column} needs at least one value")
    return f"`{column}` IN ({', '.join(quoted)})"
