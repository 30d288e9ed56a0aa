"""
### Erasure: closed accounts past their cooling-off period leave every layer

Runs whenever `silver.users` is updated. An account closure (a CDC delete in
the CRM) is an erasure request; once `grace_days` data days have passed (the
profile's `[erasure]`), the person's rows go from quarantine, bronze and silver
(and silver's candidates), their identifiers are nulled where they appear in
other people's rows, and keyed digests of what was erased go to
`ops.erased_identifiers`, so that no later load, replay or backfill brings them
back. Each step is written to `ops.erasure_log`. The updated silver tables start
the identity graph and the marts, which rebuild without the person; VACUUM after
`retention_hours` removes the files of older versions.

Prove it for one account: `ecomlake erasure-report USER_ID`.

**When this fails**: the task's log names the table; every step is safe to run
again (the request stays due until silver's users tombstone, erased last, is gone).
"""

from __future__ import annotations

from airflow.sdk import dag, task

from ecomlake.contracts import erasable_sources
from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings

SILVER = [c.silver_table for c in erasable_sources()]


@dag(
    dag_id="erasure",
    schedule=[table_asset("silver.users")],
    tags=["privacy", "erasure", "silver"],
    doc_md=__doc__,
    **dag_settings(),
)
def erasure():
    @task(outlets=[table_asset(t) for t in SILVER])
    def erase_closed_accounts() -> dict:
        """Every due request, in every source layer (skipped when none is due)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from orchestration.dag_settings import on_engine
        from orchestration.erasure import erase_due
        from orchestration.reports import write_report

        try:
            done = on_engine(erase_due)
        except AirflowSkipException as nothing_due:  # the run's report says so before the task is skipped
            on_engine(write_report, "erasure", (), {"erasure": {"requests": {}, "nothing_due": str(nothing_due)}})
            raise
        on_engine(write_report, "erasure", (), {"erasure": done})
        return done

    erase_closed_accounts()


erasure()
