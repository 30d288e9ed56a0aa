"""Ingest one source: landing → bronze (+ quarantine) → silver, as a standalone Spark application.

The same steps the ``ingest_<source>`` DAGs run, for ``spark-submit`` on a
cluster or a one-off run by hand; the profile (``ECOMLAKE_PROFILE``) decides
where Spark, the lake and the metastore are.

    python -m orchestration.ingest_job users payments
    python -m orchestration.ingest_job clickstream --replay-from 2026-11-20 --replay-to 2026-11-21
"""

from __future__ import annotations

import argparse
import json
import logging

from ecomlake.contracts import all_sources


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.ingest_job", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", choices=all_sources(), metavar="SOURCE",
                        help=f"one or more of: {' '.join(all_sources())}")
    parser.add_argument("--replay-from", help="re-ingest deliveries from this date (YYYY-MM-DD)...")
    parser.add_argument("--replay-to", help="...to this date (default: --replay-from)")
    parser.add_argument("--run-id", help="the run these loads belong to; the same id again redoes exactly its "
                                         "deliveries (default: a new run that loads whatever is new)")
    parser.add_argument("--bronze-only", action="store_true", help="load bronze and quarantine, leave silver")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")

    from orchestration import pipeline

    for source in args.sources:
        deliveries = pipeline.replayed(source, args.replay_from, args.replay_to)
        if args.bronze_only:
            steps = {"ingest": pipeline.ingest(source, args.run_id, deliveries)}
        else:
            steps = pipeline.ingest_and_build(source, args.run_id, deliveries)
        print(json.dumps(steps, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
