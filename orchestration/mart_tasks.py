"""The tasks of a DAG that builds a group of dbt marts by write-audit-publish (customers, marketing).

One dbt build makes every mart of the group in its candidate (with the staging and intermediate models
it reads, every dbt data test); Great Expectations gates each candidate in a task of its own;
only when every gate has passed is each mart published, one Delta commit and one Asset event each, so
the group's marts always agree with each other; a report closes the run. The marts come from the model
files (:func:`orchestration.dbt.mart_models`): a new model in the group's folder is a new gate and
publish task with no DAG edit. Called inside a ``@dag`` function; nothing heavy runs at parse time.
"""

from __future__ import annotations

from airflow.sdk import task

from orchestration.assets import table_asset


def wap_mart_tasks(name: str, marts: tuple[str, ...], report_extras: tuple[str, ...] = ()) -> list:
    """build_<name> → gate_<mart> each → publish_<mart> each (after every gate) → report_<name>; returns the
    publish tasks. ``report_extras`` names functions of :mod:`orchestration.marts` whose results the report
    adds under their names (run after the publishes)."""

    @task(task_id=f"build_{name}")
    def build() -> dict:
        """dbt build of the marts and everything they read, into the candidates (models and data tests);
        skipped until every table dbt reads (its sources file) has been published once."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import build_candidates, dbt_sources, require_inputs

        on_engine(require_inputs, dbt_sources())
        return on_engine(build_candidates, marts, only_if_changed=True)

    @task
    def gate(built: dict, mart: str) -> dict:
        """Great Expectations on the candidate version dbt built."""
        from orchestration.dag_settings import on_engine
        from orchestration.marts import gate_candidate

        return on_engine(gate_candidate, mart, built["candidates"][mart])

    @task
    def publish(built: dict, mart: str) -> dict:
        """Publish the checked candidate (once)."""
        from orchestration import marts as mart_ops
        from orchestration.dag_settings import on_engine

        return on_engine(mart_ops.publish, mart, built["candidates"][mart], built["built_from"])

    @task(task_id=f"report_{name}")
    def report(built: dict, checked: list[dict], published: list[dict]) -> None:
        from orchestration import marts as mart_ops
        from orchestration.dag_settings import on_engine
        from orchestration.reports import write_report

        extras = {extra: on_engine(getattr(mart_ops, extra)) for extra in report_extras}
        on_engine(write_report, name, marts, {
            "marts": built, "marts_check": dict(zip(marts, checked, strict=True)),
            "publish": dict(zip(marts, published, strict=True)), **extras})

    built = build()
    gates = [gate.override(task_id=f"gate_{_short(mart)}")(built, mart) for mart in marts]
    published = []
    for mart in marts:
        publish_one = publish.override(task_id=f"publish_{_short(mart)}", outlets=[table_asset(mart)])
        published.append(publish_one(built, mart))
        gates >> published[-1]  # all gates pass before any mart is published
    report(built, gates, published)
    return published


def _short(mart: str) -> str:
    return mart.split(".")[1]
