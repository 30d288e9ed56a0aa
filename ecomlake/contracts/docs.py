"""The source reference (``docs/sources.md``), rendered from the contracts so it cannot drift from them."""

from __future__ import annotations

from ecomlake.contracts import Contract, all_sources, load_contract

HEADER = """# Sources

Generated from `ecomlake/contracts/*.yaml` by `ecomlake docs`; do not edit by hand
(a test fails when this file and the contracts disagree).

Every source lands in `landing/<source>/<delivery date>/` and is loaded into
`bronze.<source>` (rows as delivered plus `_source_file`, `_record_hash`,
`_batch_id`, `_ingested_at`, and `_rescued_data` for properties the contract
does not know); records that break the contract go to `quarantine.<source>`
with `raw_text` and a `reason`. In silver, PII fields become `<field>_token`
(keyed HMAC-SHA256; phones and emails normalised first), free text is redacted,
and `<x>_yuan` becomes `<x>_fen`.
"""


def _rules(contract: Contract, name: str) -> str:
    spec = contract.field(name)
    rules = ["required"] if spec.required else []
    if spec.allowed:
        rules.append(("in lifecycle order: " if spec.ordered else "one of: ") + ", ".join(spec.allowed))
    if spec.min is not None:
        rules.append(f"≥ {spec.min}")
    if spec.max is not None:
        rules.append(f"≤ {spec.max}")
    if spec.pii:
        rules.append(f"PII ({spec.pii})")
    if spec.identifier:
        rules.append(f"erased with its person ({spec.identifier})")
    return "; ".join(rules)


def render_source(contract: Contract) -> str:
    silver = contract.silver
    how = ("SCD2 versions of " + ", ".join(silver.tracked) if silver.history == "scd2"
           else "latest state by " + ", ".join([*silver.order_by, "delivery date"]))
    lines = [
        f"## {contract.source} — {contract.system}", "",
        f"- **format**: `{contract.format}`, files `{contract.files}`",
        f"- **delivery**: {contract.delivery}",
        f"- **key**: {', '.join(contract.key)}; **event time**: {contract.event_time}",
        f"- **silver**: `{contract.silver_table}`, {how}"
        + (f", partitioned by {silver.partition_by}" if silver.partition_by else ""),
        f"- **stopped** when more than {contract.max_quarantine_share:.0%} of a delivery is rejected",
    ]
    if contract.quirks:
        lines += ["- **quirks**:", *[f"  - {q}" for q in contract.quirks]]
    if contract.variants:
        lines.append("- **layouts** (by file-name prefix): " + "; ".join(
            f"{v}: " + ", ".join(f"{column}→{field}" for column, field in columns.items())
            for v, columns in contract.variants.items()))
    lines += ["", "| field | type | rules | description |", "|---|---|---|---|"]
    lines += [f"| `{f.name}` | `{f.type}` | {_rules(contract, f.name)} | {f.description} |" for f in contract.fields]
    if silver.derive:
        lines += ["", "Derived in silver: " + ", ".join(f"`{name}`" for name in silver.derive) + "."]
    return "\n".join(lines)


def render() -> str:
    return "\n\n".join([HEADER.rstrip(), *[render_source(load_contract(s)) for s in all_sources()]]) + "\n"
