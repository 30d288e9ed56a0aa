"""The warm engine the Airflow tasks send their work to: who may call it, what it runs, how a call ends."""

import logging
import os
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import pytest

from orchestration import engine, marts, reports

pytestmark = pytest.mark.e2e


def test_a_caller_without_the_engine_key_is_turned_away(warm_engine, cfg):
    with pytest.raises(AuthenticationError):
        Client((cfg.engine.host, cfg.engine.port), authkey=b"not-the-key")


@pytest.mark.parametrize("function", [os.system, reports._location])
def test_only_the_platforms_public_entry_points_run_on_it(warm_engine, function):
    with pytest.raises(engine.EngineCallError, match="not an entry point") as refused:
        engine.run(function, "true")
    assert refused.value.verdict == engine.ERROR  # the task fails, and says why


def test_a_call_with_nothing_to_do_ends_as_a_skip_and_its_log_reaches_the_caller(warm_engine, caplog):
    with caplog.at_level(logging.INFO), pytest.raises(engine.EngineCallError) as skipped:
        engine.run(marts.require_inputs, ("silver.not_delivered_yet",))
    assert skipped.value.verdict == engine.SKIP
    assert "waiting for the first publish of silver.not_delivered_yet" in str(skipped.value)
    replayed = [r for r in caplog.records if r.name == "orchestration.engine"]
    assert any("silver.not_delivered_yet" in r.getMessage() for r in replayed), "the engine's log stayed there"
