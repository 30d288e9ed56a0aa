"""The marts hop (silver → staging → marts with dbt) as write-audit-publish.

dbt builds a mart into its candidate database (``marts_candidate``, see
``dbt_project/macros/generate_schema_name.sql``) and runs its tests there; the
Great Expectations gate checks that candidate version; :func:`publish` then
copies exactly that version into ``marts.<table>`` in one Delta commit. Analysts
never read an unchecked mart, a crash before the commit leaves the published
mart as it was, and a publish that is retried after its commit changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecomlake.config import REPO_ROOT, settings
from ecomlake.spark import get_spark
from orchestration.reports import docs_dir, gates_summary

log = logging.getLogger(__name__)

CANDIDATE_SUFFIX = "_candidate"
"""Appended to a mart's database for its candidate (the dbt macro does the same with var ``wap``)."""


class InputsMissing(RuntimeError):
    """A table a build reads was never published (its source has not delivered yet): nothing to build now."""


class NothingNew(RuntimeError):
    """Every output was last published from the inputs and code a build would read now: nothing to rebuild."""


DBT_CODE = (REPO_ROOT / "dbt_project" / "models", REPO_ROOT / "dbt_project" / "macros",
            REPO_ROOT / "dbt_project" / "tests", REPO_ROOT / "dbt_project" / "dbt_project.yml",
            REPO_ROOT / "expectations")
"""What turns silver into the marts, besides the data: the dbt project and the gates' suites."""


def code_digest(paths: tuple[Path, ...]) -> str:
    """SHA-256 over the files under ``paths`` (names and contents), caches and logs left out."""
    digest = hashlib.sha256()
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*"))
                   if f.is_file() and "__pycache__" not in f.parts)
    for f in files:
        digest.update(str(f.relative_to(REPO_ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def lineage(inputs: tuple[str, ...], code: tuple[Path, ...]) -> dict:
    """What a build would read now: each input's latest Delta version (None if never published) and the code.

    Recorded with each publish (the commit's ``userMetadata``), so a later run can tell that nothing changed."""
    spark = get_spark()
    return {"inputs": {t: latest_version(spark, t) if spark.catalog.tableExists(t) else None for t in inputs},
            "code": code_digest(code)}


def raise_if_built_from(outputs: tuple[str, ...], current: dict) -> None:
    """Raise :class:`NothingNew` when the last commit of every output is a publish built from ``current``.

    Any other commit (a first build, a manual fix, an erasure) or any new input version means a rebuild."""
    spark = get_spark()
    for table in outputs:
        if not spark.catalog.tableExists(table):
            return
        metadata = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["userMetadata"]
        if not metadata or json.loads(metadata).get("built_from") != current:
            return
    raise NothingNew(f"{', '.join(outputs)}: inputs and code unchanged since the last publish; nothing to rebuild")


def dbt_sources() -> tuple[str, ...]:
    """Every table the dbt project reads (``<schema>.<table>``), from its sources file: the one list of them."""
    import yaml

    from orchestration.dbt import PROJECT_DIR

    declared = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "_silver__sources.yml").read_text())
    return tuple(f"{source['schema']}.{table['name']}" for source in declared["sources"] for table in source["tables"])


def require_inputs(tables: tuple[str, ...]) -> None:
    """Raise :class:`InputsMissing` naming those of ``tables`` that do not exist yet."""
    spark = get_spark()
    if missing := [t for t in tables if not spark.catalog.tableExists(t)]:
        raise InputsMissing(f"waiting for the first publish of {', '.join(missing)}")


def attribute_coverage() -> dict[str, float]:
    """Share of customers with each governed attribute, as the published coverage mart says."""
    return {r.attribute: r.coverage for r in get_spark().table("marts.customer_attribute_coverage").collect()}


COVERAGE_VAR = "attribute_coverage"
"""The dbt var the customers model's description shows: a table of the attributes' measured coverage."""


def _cell(text: str | None) -> str:
    """A markdown table cell: one line, no bare pipe (either would end it)."""
    return " ".join((text or "").split()).replace("|", "\\|")


def coverage_table(rows: list) -> str:
    """Markdown for the docs site: each attribute with its definition, owner, unit and coverage (``rows`` of
    ``marts.customer_attribute_coverage``)."""
    lines = [f"**Coverage** as of {rows[0].as_of_date}: the share of the {rows[0].customers} customers with a "
             "value, measured by `customer_attribute_coverage` when the docs were generated.", "",
             "| attribute | definition | owner | unit | coverage |", "|---|---|---|---|---:|"]
    lines += [f"| `{r.attribute}` | {_cell(r.definition)} | {_cell(r.owner)} | {_cell(r.unit)} | {r.coverage:.2%} |"
              for r in sorted(rows, key=lambda r: r.attribute)]
    return "\n".join(lines)


def generate_docs() -> dict:
    """``dbt docs generate`` into its own folder (``<var>/dbt/docs``), the customers page showing every
    attribute's coverage as last published beside its definition and owner. Serve it with
    ``ecomlake dbt-docs --serve``."""
    from orchestration.dbt import dbt_state, run_dbt

    require_inputs(("marts.customer_attribute_coverage",))
    rows = get_spark().table("marts.customer_attribute_coverage").collect()
    run_dbt("docs", "generate", "--vars", json.dumps({COVERAGE_VAR: coverage_table(rows)}), target="docs")
    return {"site": str(dbt_state("docs")), "attributes": len(rows)}


def candidate_of(table: str) -> str:
    """``marts.orders_daily`` → ``marts_candidate.orders_daily``."""
    database, name = table.split(".")
    return f"{database}{CANDIDATE_SUFFIX}.{name}"


# The staging models' data tests (keys unique and not null, accepted values) restate the silver gates on the
# same rows (a staging model renames and filters one silver table): every mart group would run them again.
STAGING_TESTS = "resource_type:test,path:models/staging"


def build_models(select: str) -> dict:
    """``dbt build`` (models, then their data tests) for a selection, the profile's ``[dbt] threads`` side by side.

    Unit tests test the code, not the data: they run in CI (``tests/spark/test_dbt_unit_tests.py``), as dbt
    advises, not on every build of every delivery (a fifth of a mart group's build time). The staging models'
    data tests duplicate the silver gates, so builds leave them out too and CI runs them once
    (``tests/spark/test_dbt_staging_tests.py``)."""
    from orchestration.dbt import run_dbt

    results = run_dbt("build", "--select", select, "--exclude-resource-type", "unit_test",
                      "--exclude", STAGING_TESTS, "--threads", str(settings().dbt_threads))
    return {"select": select, "nodes": {r.name: r.status for r in results}}


def latest_version(spark, table: str) -> int:
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]


def build_candidate(table: str, only_if_changed: bool = False) -> dict:
    """dbt build of one mart into its candidate, with its tests; the published mart is not touched."""
    built = build_candidates((table,), table.split(".")[1], only_if_changed)
    return {**built, "candidate": candidate_of(table), "candidate_version": built["candidates"][table]}


def build_candidates(tables: tuple[str, ...], select: str | None = None, only_if_changed: bool = False) -> dict:
    """One dbt build of several marts into their candidates, with their tests; by default with every
    staging and intermediate model they read (``+<mart>``). Returns each candidate's new version and the
    lineage to publish them with; with ``only_if_changed``, raises :class:`NothingNew` when that lineage is
    the one the published marts were built from. (Every table dbt reads counts as an input of every mart:
    a mart may be rebuilt for nothing, never skipped wrongly.)"""
    spark, cfg = get_spark(), settings()
    built_from = lineage(dbt_sources(), DBT_CODE)  # before the build: an input updated during it means a rerun
    if only_if_changed:
        raise_if_built_from(tables, built_from)
    for database in sorted({candidate_of(t).split(".")[0] for t in tables}):
        # At <lake>/<database> like every layer, before dbt would create it under the warehouse's default.
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{cfg.lake_root}/{database}'")
    built = build_models(select or " ".join(f"+{t.split('.')[1]}" for t in tables))
    return {**built, "candidates": {t: latest_version(spark, candidate_of(t)) for t in tables},
            "built_from": built_from}


def gate_candidate(table: str, candidate_version: int) -> dict:
    """The Great Expectations gate on the candidate version dbt built; raises QualityGateError."""
    from expectations.gate import check
    from expectations.registry import mart_suite

    candidate = candidate_of(table)
    df = get_spark().read.option("versionAsOf", candidate_version).table(candidate)
    gate = check(df, candidate, mart_suite(table), docs_dir())
    return {"expectations": gates_summary([gate])}


def candidate_commit_ms(candidate: str, version: int) -> int:
    """When ``version`` of ``candidate`` was committed (ms): the idempotent-write key of its publish."""
    from pyspark.sql import functions as F

    committed = (get_spark().sql(f"DESCRIBE HISTORY {candidate}").where(F.col("version") == version)
                 .select(F.unix_millis("timestamp").alias("ms")).first())
    if committed is None:
        raise ValueError(f"{candidate} has no version {version} (vacuumed or rebuilt?)")
    return committed["ms"]


@contextmanager
def commit_metadata(spark, metadata: str) -> Iterator[None]:
    """Delta ``userMetadata`` on the commits made inside: the session setting, since the writer's option is
    dropped when the write creates the table."""
    key = "spark.databricks.delta.commitInfo.userMetadata"
    spark.conf.set(key, metadata)
    try:
        yield
    finally:
        spark.conf.unset(key)


def publish(table: str, candidate_version: int, built_from: dict | None = None) -> dict:
    """Copy a checked candidate version into the published mart: one Delta commit, at most once.

    The commit carries Delta's idempotent-write key (``txnAppId`` = the candidate, ``txnVersion`` =
    the candidate version's commit time), so Delta itself skips a retry of a publish that already
    committed, and an older candidate never overwrites a newer one. ``overwriteSchema`` makes the
    published schema the candidate's (a model change ships with its data); the table keeps its
    location, history and properties. ``built_from`` (see :func:`lineage`) goes into the commit's metadata.
    """

    spark = get_spark()
    candidate = candidate_of(table)
    writer = (
        spark.read.option("versionAsOf", candidate_version).table(candidate)
        .write.format("delta")
        .option("txnAppId", candidate)
        .option("txnVersion", candidate_commit_ms(candidate, candidate_version))
    )
    metadata = json.dumps({"candidate": candidate, "candidate_version": candidate_version, "built_from": built_from})
    with commit_metadata(spark, metadata):
        if not spark.catalog.tableExists(table):
            writer.saveAsTable(table)  # managed, at <lake>/<database>/<table>
            return {"table": table, "candidate_version": candidate_version, "published_version": 0}
        before = latest_version(spark, table)
        location = spark.sql(f"DESCRIBE DETAIL {table}").first()["location"]
        writer.mode("overwrite").option("overwriteSchema", "true").save(location)
    after = latest_version(spark, table)
    if after == before:
        log.info("%s: candidate version %s was already published; nothing to do", table, candidate_version)
    return {"table": table, "candidate_version": candidate_version,
            "published_version": after if after != before else None}


def gate_candidates(candidates: dict[str, int]) -> dict:
    """The gate of each candidate version (table → version); raises on the first critical failure."""
    return {table: gate_candidate(table, version) for table, version in candidates.items()}


def publish_all(built: dict) -> dict:
    """Publish each checked candidate version of a :func:`build_candidates` (once each)."""
    return {table: publish(table, version, built["built_from"]) for table, version in built["candidates"].items()}


def refresh_mart(table: str) -> dict:
    """The whole hop for callers outside Airflow (tests, one-off runs): build, gate, publish."""
    built = build_candidate(table)
    checked = gate_candidate(table, built["candidate_version"])
    return {"mart": built, "mart_check": checked,
            "publish": publish(table, built["candidate_version"], built["built_from"])}


def refresh_marts(tables: tuple[str, ...]) -> dict:
    """:func:`refresh_mart` for a group of marts built by one dbt run."""
    built = build_candidates(tables)
    checked = gate_candidates(built["candidates"])
    return {"marts": built, "marts_check": checked, "publish": publish_all(built)}
