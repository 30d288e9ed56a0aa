"""
### The board: the published marts → every model in `dbt_project/models/marts/board/`

`marts.board_user_behaviour_daily`, `marts.board_product_performance_daily` and
`marts.board_marketing_effect_daily`: one row per day each, the plan's three dimensions, the entry point for
BI tools (Thrift / JDBC). They summarise published marts (read as the dbt source `published`, never another
group's candidates), so they run whenever {triggers} is published.

One dbt build makes the board in its candidates with their data tests; Great Expectations gates
each; only when every gate passed is each published (`orchestration/mart_tasks.py`).

**When this fails**: `DbtError` names the model or test — reproduce with
`make dbt ARGS="build --select board_marketing_effect_daily"`. The published board is untouched either way.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, dag

from orchestration.assets import table_asset
from orchestration.dag_settings import dag_settings
from orchestration.dbt import mart_models, published_inputs
from orchestration.mart_tasks import wap_mart_tasks

MARTS = mart_models("board")
TRIGGERS = published_inputs("board")


@dag(
    dag_id="board_marts",
    schedule=AssetAny(*[table_asset(t) for t in TRIGGERS]),
    tags=["board", "dbt", "marts", "bi"],
    doc_md=__doc__.format(triggers=", ".join(f"`{t}`" for t in TRIGGERS)),
    **dag_settings(),
)
def board_marts():
    wap_mart_tasks("board_marts", MARTS)


board_marts()
