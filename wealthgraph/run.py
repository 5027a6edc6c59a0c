"""Materialize the main job over every landed day, in process, and summarise the warehouse."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from wealthgraph.settings import ROOT, Settings


def summary(settings: Settings) -> str:
    """Row counts of every warehouse table, what was quarantined, and every landing file the
    run did not ingest, with its reason."""
    from wealthgraph.warehouse import connect

    con = connect(settings.database)
    try:
        names = con.execute(
            """
            select schema_name || '.' || table_name from duckdb_tables()
            where schema_name in ('core', 'graph', 'features', 'marts') order by 1
            """
        ).fetchall()
        tables = [(n, con.execute(f"select count(*) from {n}").fetchone()[0]) for (n,) in names]
        if not con.execute(
            "select count(*) from duckdb_views() where view_name = 'ingest_audit'"
        ).fetchone()[0]:
            return f"warehouse {settings.database}: no quality views yet (the run stopped early)"
        audit = con.execute(
            "select sum(rows_in), sum(rows_accepted), sum(rows_quarantined) "
            "from quality.ingest_audit"
        ).fetchone()
        reasons = con.execute(
            """
            select source, regexp_extract(reason, '^[^:]*') as reason, count(*) as n
            from quality.quarantine group by all order by n desc limit 8
            """
        ).fetchall()
        left = []
        if con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'quality' "
            "and table_name = 'landing_files'"
        ).fetchone()[0]:
            left = con.execute(
                "select status, file_name, reason from quality.landing_files "
                "where status <> 'ingest' order by status desc, file_name"
            ).fetchall()
    finally:
        con.close()
    lines = [f"warehouse {settings.database}"]
    lines += [f"  {name:<34} {rows:>12,} rows" for name, rows in tables]
    lines.append(
        f"  ingest: {audit[0]:,} lines in = {audit[1]:,} accepted + {audit[2]:,} quarantined"
    )
    lines += [f"    quarantined {source}: {reason} x{n:,}" for source, reason, n in reasons]
    lines += [
        f"  {'WARNING: ' if status == 'refused' else ''}{status} {name}: {reason}"
        for status, name, reason in left
    ]
    return "\n".join(lines)


def _published_line(settings: Settings) -> str:
    from wealthgraph.publish import current

    try:
        version = current(settings.published)
    except FileNotFoundError:
        return f"published: nothing yet under {settings.published}"
    return f"published: {version.version} (as of {version.as_of}) at {version.path}"


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
    print(_published_line(settings))
    print(
        f"run {'succeeded' if success else 'FAILED'} in {elapsed:.1f} s "
        f"({'with' if len(results) > 1 else 'without'} the evaluation job); "
        f"failed checks: {', '.join(failed) or 'none'}"
        + (f"; warnings: {', '.join(warned)} (see above)" if warned else "")
    )
    return 0 if success and not failed else 1
