"""Run a suite against a Spark DataFrame as a checkpoint; fail loudly on critical expectations.

Each expectation carries a ``severity``: ``critical`` failures stop the
pipeline (:class:`QualityGateError` names the table, the expectation and a
sample of offending values); ``warning`` failures are recorded and reported.
Data Docs are written under ``<var>/quality/data_docs``: a site per gated table with its latest validation,
and an index of every table's latest outcome.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# GX logs hundreds of INFO lines when imported after Airflow.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

import great_expectations as gx  # noqa: E402
import jinja2  # noqa: E402
from great_expectations.checkpoint import UpdateDataDocsAction  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from ecomlake.private_files import write_whole  # noqa: E402

log = logging.getLogger(__name__)

CRITICAL = "critical"
WARNING = "warning"


def shares(*columns: str) -> list:
    """Critical checks that each column is a share (0 to 1): the one place marts' shares and rates are bounded."""
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1, severity=CRITICAL) for c in columns]


def keyed(*key: str) -> list:
    """Critical checks that a table has rows and ``key`` names each row once: the head of every mart's suite."""
    import great_expectations.expectations as gxe

    unique = (gxe.ExpectColumnValuesToBeUnique(column=key[0], severity=CRITICAL) if len(key) == 1 else
              gxe.ExpectCompoundColumnsToBeUnique(column_list=list(key), severity=CRITICAL))
    return [gxe.ExpectTableRowCountToBeBetween(min_value=1, severity=CRITICAL), unique]


SAMPLE_SIZE = 5
LATEST = "latest_gate.json"  # beside each table's site: its latest outcome, for the index


class QualityGateError(RuntimeError):
    """A critical expectation failed: downstream work must not run."""


@dataclass
class Outcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    sample: list = field(default_factory=list)

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f"{self.unexpected_count} unexpected" if self.unexpected_count is not None else "failed"
        return f"{self.expectation}{where}: {count}, e.g. {self.sample}"


@dataclass
class GateResult:
    table: str
    outcomes: list[Outcome]

    @property
    def failed_critical(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == CRITICAL]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == WARNING]

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Data Docs templates compiled once per process (Jinja keys each by name and source checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


class PageView(DefaultJinjaPageView):
    """GX renders every Data Docs page with a Jinja environment of its own, compiling the templates anew: most
    of a second per gate. These views share the compiled templates (the site config below names them)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = _COMPILED


class IndexPageView(PageView, DefaultJinjaIndexPageView):
    """The site's index page, with the shared compiled templates."""


def _view(class_name: str) -> dict:
    return {"view": {"module_name": __name__, "class_name": class_name}}


def _context(docs_dir: Path):
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # task logs, not a terminal
    # The ephemeral context ships a "local_site" in a temp dir: point it at the project's.
    context.update_data_docs_site(
        site_name="local_site",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", **_view("IndexPageView")},
            "site_section_builders": {"expectations": _view("PageView"), "validations": _view("PageView")},
        },
    )
    return context


def _named_columns(kwargs: dict) -> list[str]:
    """The columns an expectation names: a column, a pair (``column_A``, ``column_B``) or a compound key."""
    names = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B"), *(kwargs.get("column_list") or [])]
    return [name for name in names if name]


def _columns(kwargs: dict) -> str | None:
    """What an expectation is about, for its outcome."""
    return ", ".join(_named_columns(kwargs)) or None


def _outcome(result) -> Outcome:
    config = result.expectation_config
    details = result.result or {}
    return Outcome(
        expectation=config.type,
        column=_columns(config.kwargs),
        severity=str(getattr(config.severity, "value", config.severity)),
        success=bool(result.success),
        unexpected_count=details.get("unexpected_count"),
        sample=list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
    )


def _list_in_index(docs_dir: Path, result: GateResult) -> None:
    """Record ``result`` beside its table's site and rewrite the index of every table's latest gate.

    A site per table: GX's ephemeral context only knows its own validation, and its site builder deletes the
    pages of every other one, so one shared site would only ever show the last gate."""
    latest = {"table": result.table, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "passed": result.passed, "expectations": len(result.outcomes),
              "critical_failed": len(result.failed_critical), "warnings": len(result.warnings)}
    write_whole(docs_dir / result.table / LATEST, json.dumps(latest))
    rows = []
    for gate in sorted((json.loads(p.read_text()) for p in docs_dir.glob(f"*/{LATEST}")), key=lambda g: g["table"]):
        verdict = ("failed" if gate["critical_failed"]
                   else f"{gate['warnings']} warnings" if gate["warnings"] else "passed")
        name = html.escape(gate["table"])
        rows.append(f'<tr><td><a href="{name}/index.html">{name}</a></td><td>{gate["at"]}</td>'
                    f'<td>{gate["passed"]}/{gate["expectations"]}</td><td>{verdict}</td></tr>')
    write_whole(docs_dir / "index.html", (
        "<!doctype html><meta charset=utf-8><title>Quality gates</title><h1>Quality gates: latest per table</h1>"
        "<table><tr><th>table</th><th>validated (UTC)</th><th>passed</th><th>outcome</th></tr>"
        + "".join(rows) + "</table>"))


# A gate that passes needs only each expectation's verdict: half the Spark jobs of a summary, which also
# fetches a sample of unexpected values per expectation. A gate with a failure runs again with the details,
# to name what failed (and show it in the Data Docs).
VERDICTS = {"result_format": "BOOLEAN_ONLY"}
DETAILS = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}


def _checkpoint(context, definition, result_format: dict):
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"{definition.name}_{result_format['result_format'].lower()}",
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs", site_names=["local_site"])],
            result_format=result_format,
        )
    )


# Expectations about the table as a whole that read no column.
_TABLE_LEVEL = {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}


def _columns_read(df, expectations: list) -> list[str]:
    """The columns of ``df`` the suite reads, in ``df``'s order: the gate computes and caches only those (on a
    5M-row batch, the bronze suite's two columns instead of the whole row: 34 → 8 s). Every column when an
    expectation might read any (a row condition, a kind not known here)."""
    read: set[str] = set()
    for expectation in expectations:
        config = expectation.configuration
        named = _named_columns(config.kwargs)
        if config.kwargs.get("row_condition") or not (named or config.type in _TABLE_LEVEL):
            return df.columns
        read.update(named)
    return [c for c in df.columns if c in read] or df.columns[:1]


def check(df, table: str, expectations: list, docs_dir: Path) -> GateResult:
    """Validate ``df`` (the contents of ``table``) and raise on a critical failure; the validation's Data Docs
    go to the table's own site, ``<docs_dir>/<table>/``."""
    context = _context(docs_dir.resolve() / table)
    batch = (
        # persist=False: a cached table would hide later writes (e.g. a RESTORE) from this session.
        context.data_sources.add_spark(name="lakehouse", persist=False)
        .add_dataframe_asset(name=table)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{table}_gate", data=batch, suite=suite)
    )
    # Each expectation's metrics are Spark jobs of their own: compute the table (often a join, e.g. silver as
    # it would be after a publish) once for all of them, not once per metric.
    cached = df.select(*[F.col(f"`{c}`") for c in _columns_read(df, expectations)]).persist()
    try:
        run = _checkpoint(context, definition, VERDICTS).run(batch_parameters={"dataframe": cached})
        if not run.success:
            for verdicts in run.run_results:  # out of the store: the details run's docs build drops its page
                context.validation_results_store.remove_key(verdicts)
            run = _checkpoint(context, definition, DETAILS).run(batch_parameters={"dataframe": cached})
    finally:
        cached.unpersist()
    validation = next(iter(run.run_results.values()))
    result = GateResult(table=table, outcomes=[_outcome(r) for r in validation.results])
    _list_in_index(docs_dir.resolve(), result)
    for warning in result.warnings:
        log.warning("%s: warning %s", table, warning.describe())
    if failed := result.failed_critical:
        raise QualityGateError(
            f"{table}: {len(failed)} critical expectation(s) failed: "
            + "; ".join(o.describe() for o in failed)
        )
    log.info("%s: %d/%d expectations passed", table, result.passed, len(result.outcomes))
    return result
