"""Materialize the main job over every landed day, in process, then the evaluation job.

The Dagster half of ``wealthgraph run`` (pipelines.cli); the warehouse summary it prints at
the end is Dagster-free (wealthgraph.run).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from wealthgraph.run import published_line, summary
from wealthgraph.settings import ROOT, Settings


def materialize_range(
    settings: Settings,
    first: str | None = None,
    last: str | None = None,
    instance=None,
    as_of: dt.date | None = None,
):
    """Run every asset for the landed days ``first`` .. ``last`` in this process, as of the
    run date ``as_of``.

    ``as_of`` defaults to the last complete landed day not in the future, ``last`` to the
    last landed day up to ``as_of`` and ``first`` to the first landed day. One process and the
    in-process executor: DuckDB allows a single writer.
    """
    import warnings

    import dagster as dg

    # dagster exports no public name for the partition-range run tags
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from pipelines.definitions import build_definitions
    from pipelines.partitions import AS_OF_TAG, register_landed_days
    from wealthgraph.ingest.files import default_as_of

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    instance = instance or dg.DagsterInstance.ephemeral()
    as_of = as_of or default_as_of(settings.landing)
    keys = register_landed_days(instance, settings.landing, as_of) if as_of else []
    if not keys:
        raise SystemExit(
            f"no daily landing files to ingest under {settings.landing}"
            + (f" up to {as_of}" if as_of else "")
            + " (expected events/YYYY-MM-DD.jsonl.gz; set WEALTHGRAPH_DATA to a landing folder)"
        )
    first, last = first or keys[0], last or keys[-1]
    return (
        build_definitions(settings)
        .resolve_job_def("main_job")
        .execute_in_process(
            instance=instance,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: first,
                ASSET_PARTITION_RANGE_END_TAG: last,
                AS_OF_TAG: as_of.isoformat(),
            },
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
    )


def evaluate(settings: Settings, instance=None, as_of: dt.date | None = None):
    """Run the evaluation job (score the recommenders on a replayed cut-off, republish)."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.partitions import AS_OF_TAG

    return (
        build_definitions(settings)
        .resolve_job_def("evaluation_job")
        .execute_in_process(
            instance=instance or dg.DagsterInstance.ephemeral(),
            tags={AS_OF_TAG: as_of.isoformat()} if as_of else None,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
    )


def failed_checks(result, severity: str = "ERROR") -> list[str]:
    """``asset:check`` for every asset check of ``severity`` (ERROR: the ones that stop
    what depends on them; WARN: the ones that only warn) that did not pass in a run result."""
    return [
        f"{e.asset_check_evaluation_data.asset_key.to_user_string()}:"
        f"{e.asset_check_evaluation_data.check_name}"
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.asset_check_evaluation_data.passed
        and e.asset_check_evaluation_data.severity.value == severity
    ]


def failures(result) -> list[str]:
    """``step: root cause`` for every failed step of a run result."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return messages


def main(evaluation: bool = True, as_of: dt.date | None = None) -> int:
    """Run every asset over the landed days up to the run date ``as_of`` (default: the last
    complete landed day not in the future), then (unless ``evaluation`` is off) the weekly
    evaluation job; return a process exit code.

    One run at a time per warehouse: a second one refuses at once (wealthgraph.locks).
    """
    from wealthgraph.locks import run_lock

    settings = Settings.from_env()
    with run_lock(settings.database):
        return _main(settings, evaluation, as_of)


def _main(settings: Settings, evaluation: bool, as_of: dt.date | None) -> int:
    import dagster as dg

    from wealthgraph.ingest.files import default_as_of

    os.environ.setdefault("DAGSTER_HOME", str(ROOT / ".dagster_home"))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    as_of = as_of or default_as_of(settings.landing)
    if as_of is None:
        print(
            f"no complete landed day up to today under {settings.landing} "
            "(expected events/YYYY-MM-DD.jsonl.gz; set WEALTHGRAPH_DATA to a landing folder)",
            file=sys.stderr,
        )
        return 1
    print(f"wealthgraph: {settings.landing} -> {settings.database}, as of {as_of}", file=sys.stderr)
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    instance = dg.DagsterInstance.get()
    started = time.perf_counter()
    results = [materialize_range(settings, instance=instance, as_of=as_of)]
    if evaluation and results[0].success:
        results.append(evaluate(settings, instance=instance, as_of=as_of))
    elapsed = time.perf_counter() - started
    failed = [check for result in results for check in failed_checks(result)]
    warned = [check for result in results for check in failed_checks(result, "WARN")]
    for message in (m for result in results for m in failures(result)):
        print(f"step {message}", file=sys.stderr)
    success = all(result.success for result in results)
    print(summary(settings))
    print(published_line(settings))
    print(
        f"run {'succeeded' if success else 'FAILED'} in {elapsed:.1f} s "
        f"({'with' if len(results) > 1 else 'without'} the evaluation job); "
        f"failed checks: {', '.join(failed) or 'none'}"
        + (f"; warnings: {', '.join(warned)} (see above)" if warned else "")
    )
    return 0 if success and not failed else 1
