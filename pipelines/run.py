"""Materialize the main job over every landed day, in process, then the evaluation job.

The Dagster half of ``wealthgraph run`` (pipelines.cli): it watches each job's events as they
happen (an instance event listener on the run) and reports every step as it finishes; what is
shown, and the summary at the end, is Dagster-free (wealthgraph.run).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

from wealthgraph.run import Check, RunProgress, Step, published_line, summary
from wealthgraph.settings import Settings, use_dagster_home

# Dagster's console logger: its own lines (DEBUG: every event) only with ``--verbose``
QUIET, VERBOSE = "CRITICAL", "DEBUG"


def _execute(job, instance, tags: dict | None, log_level: str, listener: Callable | None):
    """Run ``job`` in this process; ``listener`` is called with each event as it happens."""
    run_id = str(uuid.uuid4())
    if listener is not None:
        instance.add_event_listener(run_id, listener)
    return job.execute_in_process(
        instance=instance,
        run_id=run_id,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        raise_on_error=False,
    )


def materialize_range(
    settings: Settings,
    first: str | None = None,
    last: str | None = None,
    instance=None,
    as_of: dt.date | None = None,
    *,
    defs=None,
    log_level: str = "WARNING",
    listener: Callable | None = None,
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
    if missing := sorted({first, last} - set(keys)):
        raise SystemExit(
            f"no daily landing files for {', '.join(missing)} under {settings.landing}"
            f" (landed days up to {as_of}: {keys[0]} .. {keys[-1]})"
        )
    tags = {
        ASSET_PARTITION_RANGE_START_TAG: first,
        ASSET_PARTITION_RANGE_END_TAG: last,
        AS_OF_TAG: as_of.isoformat(),
    }
    job = (defs or build_definitions(settings)).resolve_job_def("main_job")
    return _execute(job, instance, tags, log_level, listener)


def evaluate(
    settings: Settings,
    instance=None,
    as_of: dt.date | None = None,
    *,
    defs=None,
    log_level: str = "WARNING",
    listener: Callable | None = None,
):
    """Run the evaluation job (score the recommenders on a replayed cut-off, republish)."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.partitions import AS_OF_TAG

    job = (defs or build_definitions(settings)).resolve_job_def("evaluation_job")
    tags = {AS_OF_TAG: as_of.isoformat()} if as_of else None
    return _execute(job, instance or dg.DagsterInstance.ephemeral(), tags, log_level, listener)


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


# --- watching a run as it happens ---------------------------------------------------------


def _table(asset_key) -> str:
    """``core.events`` for the asset key ``core/events``."""
    return ".".join(asset_key.path)


def _rows(materialized: Iterable[dict]) -> tuple[int | None, int]:
    """Rows a step wrote and rows it quarantined, from its materializations' metadata (one
    dict per asset: a partition range repeats the same metadata on every partition).

    An ingest counts the lines it accepted (``rows_accepted``, on its core table); a table
    kept by run date the rows of this run's slice (``as_of_rows``); any other table its rows
    (``dagster/row_count``, or ``rows``).
    """
    materialized = list(materialized)
    accepted = [m["rows_accepted"] for m in materialized if isinstance(m.get("rows_accepted"), int)]
    if accepted:
        quarantined = sum(
            int(m.get("rows_quarantined") or 0) for m in materialized if "rows_accepted" in m
        )
        return sum(accepted), quarantined
    counts = []
    for metadata in materialized:
        # what the run wrote: its slice, days or months of a table kept by them
        for name in ("as_of_rows", "days_rows", "months_rows", "dagster/row_count", "rows"):
            if isinstance(metadata.get(name), int):
                counts.append(metadata[name])
                break
    return (sum(counts) if counts else None), 0


class Watcher:
    """An instance event listener: turns a job's events, as they happen, into finished steps
    for the progress display, and keeps what the closing summary needs (every check, every
    failure). Counts come from the materializations' metadata; times are measured here."""

    def __init__(self, display: RunProgress) -> None:
        self.display = display
        self.checks: dict[tuple[str, str], object] = {}  # planned (None) or its evaluation
        self.failures: list[tuple[str, object]] = []  # (step or job, SerializableErrorInfo)
        self.error: Exception | None = None  # the first error of the watcher itself
        self._begin()

    def _begin(self) -> None:
        self._started: dict[str, float] = {}
        self._finished: set[str] = set()
        self._materialized: dict[str, dict[str, dict]] = defaultdict(dict)
        self._evaluated: dict[str, list] = defaultdict(list)
        self._failed_steps = 0

    def __call__(self, entry) -> None:
        try:
            self._handle(entry)
        except Exception as error:  # showing progress must never stop the run
            self.error = self.error or error

    def _handle(self, entry) -> None:
        key = entry.step_key
        if not entry.is_dagster_event:
            if key and entry.level >= logging.WARNING:
                if "Not executing" in entry.user_message and key not in self._started:
                    # Dagster's word for a step whose upstream failed
                    self._finish(key, "not run", "upstream failed")
                else:
                    self.display.warn(key, entry.user_message)
            return
        event = entry.get_dagster_event()
        kind = event.event_type_value
        if kind == "STEP_START":
            self._started[key] = time.perf_counter()
            self.display.started(key)
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            self._materialized[key][_table(materialization.asset_key)] = {
                name: value.value for name, value in materialization.metadata.items()
            }
        elif kind == "ASSET_CHECK_EVALUATION_PLANNED":
            planned = event.event_specific_data
            self.checks.setdefault((_table(planned.asset_key), planned.check_name), None)
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            self.checks[(_table(evaluation.asset_key), evaluation.check_name)] = evaluation
            self._evaluated[key].append(evaluation)
        elif kind == "STEP_SUCCESS":
            self._finish(key, "ok")
        elif kind == "STEP_FAILURE":
            self.failures.append((key, event.step_failure_data.error))
            self._failed_steps += 1
            self._finish(key, "FAILED")
        elif kind == "STEP_SKIPPED":
            self._finish(key, "skipped")
        elif kind in ("PIPELINE_FAILURE", "RESOURCE_INIT_FAILURE") and not self._failed_steps:
            # a failure outside any step (a resource that would not start); a failed step's
            # run failure repeats the step's error
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                self.failures.append((entry.job_name or "run", error))
                self._failed_steps += 1

    def _finish(self, key: str, status: str, note: str = "") -> None:
        if key in self._finished:
            return
        self._finished.add(key)
        started = self._started.get(key)
        rows, quarantined = _rows(self._materialized[key].values())
        evaluated = self._evaluated[key]
        self.display.finished(
            Step(
                key,
                status,
                seconds=time.perf_counter() - started if started is not None else None,
                rows=rows,
                quarantined=quarantined,
                checks=len(evaluated),
                failed_checks=sum(_result(e) == "FAILED" for e in evaluated),
                warned_checks=sum(_result(e) == "WARNING" for e in evaluated),
                note=note,
            )
        )

    def end(self, steps: Iterable[str], why: str | None = None) -> None:
        """The job is over: every step of it that never finished did not run."""
        why = why or ("upstream failed" if self._failed_steps else "")
        for key in steps:
            self._finish(key, "not run", why)
        self._begin()

    def results(self) -> list[Check]:
        return [
            Check(table, name, _result(evaluation) if evaluation is not None else "not run")
            for (table, name), evaluation in self.checks.items()
        ]


def _result(evaluation) -> str:
    if evaluation.passed:
        return "ok"
    return "FAILED" if evaluation.severity.value == "ERROR" else "WARNING"


def _last_durations(instance, job_name: str) -> dict[str, float]:
    """Seconds each step took in the job's last successful run on this instance, for ETAs."""
    import dagster as dg

    try:
        runs = instance.get_runs(
            filters=dg.RunsFilter(job_name=job_name, statuses=[dg.DagsterRunStatus.SUCCESS]),
            limit=1,
        )
        stats = instance.get_run_step_stats(runs[0].run_id) if runs else []
    except Exception:  # an estimate only: a run storage it cannot read means no ETA
        return {}
    return {s.step_key: s.end_time - s.start_time for s in stats if s.start_time and s.end_time}


def _error_text(error, verbose: bool) -> list[str]:
    """A Dagster error in full: the message of each cause (and its stack with --verbose),
    leaving out Dagster's own wrapper around the step's error."""
    lines = []
    while error is not None:
        wrapper = error.cls_name == "DagsterExecutionStepExecutionError" and error.cause
        if not wrapper or verbose:
            lines += [f"    {line}".rstrip() for line in error.message.strip().splitlines()]
            if verbose:
                lines += [f"      {line.rstrip()}" for line in "".join(error.stack).splitlines()]
        error = error.cause
    return lines


def _metadata_text(metadata) -> list[str]:
    """A check's metadata, the one-line values (tables and Markdown are in the Dagster UI)."""
    lines = []
    for name, value in metadata.items():
        text = str(value.value).strip()
        if "\n" not in text and len(text) <= 500:
            lines.append(f"      {name}: {text}")
    return lines


def failure_report(watcher: Watcher, verbose: bool = False) -> list[str]:
    """Every failed step and every check that did not pass, in full."""
    lines = []
    for step, error in watcher.failures:
        lines.append(f"FAILED {step}:")
        lines += _error_text(error, verbose)
    for (table, name), evaluation in watcher.checks.items():
        if evaluation is None or evaluation.passed:
            continue
        result = _result(evaluation)
        blocking = " (blocking)" if evaluation.blocking else ""
        lines.append(f"{result} check {table}:{name}{blocking}")
        if evaluation.description:
            lines += [f"      {line}" for line in evaluation.description.strip().splitlines()]
        lines += _metadata_text(evaluation.metadata)
    if watcher.error is not None:
        lines.append(f"(the progress display itself failed: {watcher.error!r})")
    return lines


# --- wealthgraph run ----------------------------------------------------------------------


def main(
    evaluation: bool = True,
    as_of: dt.date | None = None,
    verbose: bool = False,
    day: dt.date | None = None,
) -> int:
    """Run every asset over the landed days up to the run date ``as_of`` (default: the last
    complete landed day not in the future), or over the one landed ``day`` as of that day (the
    daily schedule's run), then (unless ``evaluation`` is off) the weekly evaluation job;
    return a process exit code.

    One run at a time per warehouse: a second one refuses at once (wealthgraph.locks).
    """
    from wealthgraph.locks import run_lock

    settings = Settings.from_env()
    with run_lock(settings.database):
        return _main(settings, evaluation, day or as_of, verbose, day)


def _main(
    settings: Settings,
    evaluation: bool,
    as_of: dt.date | None,
    verbose: bool = False,
    day: dt.date | None = None,
) -> int:
    import dagster as dg

    from pipelines import replay
    from pipelines.definitions import build_definitions
    from wealthgraph.ingest.files import default_as_of

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    as_of = as_of or default_as_of(settings.landing)
    if as_of is None:
        print(
            f"no complete landed day up to today under {settings.landing} "
            "(expected events/YYYY-MM-DD.jsonl.gz; set WEALTHGRAPH_DATA to a landing folder)",
            file=sys.stderr,
        )
        return 1
    # Dagster's history for this warehouse, with the project's dagster.yaml (no telemetry)
    home = use_dagster_home(settings)
    log_level = VERBOSE if verbose else QUIET
    replay.console_log_level = VERBOSE if verbose else "WARNING"
    instance = dg.DagsterInstance.get()
    defs = build_definitions(settings)
    jobs = ["main_job", *(["evaluation_job"] if evaluation else [])]
    steps = {
        name: [node.name for node in defs.resolve_job_def(name).nodes_in_topological_order]
        for name in jobs
    }
    expected = {}
    for name in jobs:
        expected.update(_last_durations(instance, name))
    print(
        f"wealthgraph: {settings.landing} -> {settings.database}, as of {as_of}\n"
        f"dagster home {home}: "
        + ", then ".join(f"{name} ({len(keys)} steps)" for name, keys in steps.items()),
        file=sys.stderr,
        flush=True,
    )
    started = time.perf_counter()
    results = []
    everything = [key for keys in steps.values() for key in keys]
    # --verbose: Dagster's own lines interleave with the steps', so no live display then
    with RunProgress(everything, expected, live=False if verbose else None) as display:
        watcher = Watcher(display)
        common = {"instance": instance, "as_of": as_of, "defs": defs, "log_level": log_level}
        days = {"first": day.isoformat(), "last": day.isoformat()} if day else {}
        results.append(materialize_range(settings, listener=watcher, **days, **common))
        watcher.end(steps["main_job"])
        if evaluation:
            if results[0].success:
                results.append(evaluate(settings, listener=watcher, **common))
                watcher.end(steps["evaluation_job"])
            else:
                watcher.end(steps["evaluation_job"], "the main job failed")
    elapsed = time.perf_counter() - started
    checks = watcher.results()
    failed = [f"{c.table}:{c.name}" for c in checks if c.result == "FAILED"]
    warned = [f"{c.table}:{c.name}" for c in checks if c.result == "WARNING"]
    success = all(result.success for result in results)
    print(summary(settings, checks))
    sys.stdout.flush()
    if report := failure_report(watcher, verbose):
        print("\n".join(report), file=sys.stderr, flush=True)
    print(published_line(settings))
    print(
        f"run {'succeeded' if success else 'FAILED'} in {elapsed:.1f} s "
        f"({'with' if len(results) > 1 else 'without'} the evaluation job); "
        f"failed checks: {', '.join(failed) or 'none'}"
        + (f"; warnings: {', '.join(warned)} (see above)" if warned else "")
    )
    return 0 if success and not failed else 1
