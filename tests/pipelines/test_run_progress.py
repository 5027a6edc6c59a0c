"""What ``wealthgraph run`` reports, on a small job of its own: a line per step as it finishes
("step n of N", rows from the materializations' metadata, measured seconds), the steps that
never ran, every check with its result, and the failures in full."""

from __future__ import annotations

import io

import dagster as dg

from pipelines.run import QUIET, Watcher, _execute, failure_report
from wealthgraph.run import Check, RunProgress, Step, checks_line, duration, step_line


@dg.asset
def table() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 1234})


@dg.multi_asset(specs=[dg.AssetSpec(["raw", "src"]), dg.AssetSpec(["core", "src"])])
def ingest_src():
    # a partition range repeats this on every partition: counted once per asset
    yield dg.MaterializeResult(asset_key=["raw", "src"], metadata={"dagster/row_count": 99})
    yield dg.MaterializeResult(
        asset_key=["core", "src"],
        metadata={"dagster/row_count": 90, "rows_accepted": 90, "rows_quarantined": 9},
    )


@dg.asset(
    deps=[table],
    check_specs=[
        dg.AssetCheckSpec("warns", asset="checked"),
        dg.AssetCheckSpec("blocks", asset="checked", blocking=True),
    ],
)
def checked() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"rows": 7},
        check_results=[
            dg.AssetCheckResult(
                check_name="warns", passed=False, severity=dg.AssetCheckSeverity.WARN
            ),
            dg.AssetCheckResult(
                check_name="blocks",
                passed=False,
                description="2 rows break the rule",
                metadata={"bad_ids": "A, B"},
            ),
        ],
    )


@dg.asset(deps=[checked], check_specs=[dg.AssetCheckSpec("never", asset="downstream")])
def downstream() -> dg.MaterializeResult:
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])


@dg.asset
def broken() -> None:
    raise ValueError("the feed is broken: call the bank")


def run_small_job() -> tuple[Watcher, str, list[str], object]:
    defs = dg.Definitions(
        assets=[table, ingest_src, checked, downstream, broken],
        jobs=[dg.define_asset_job("small", selection=dg.AssetSelection.all())],
    )
    job = defs.resolve_job_def("small")
    steps = [node.name for node in job.nodes_in_topological_order]
    stream = io.StringIO()
    with RunProgress(steps, live=False, stream=stream) as display:
        watcher = Watcher(display)
        result = _execute(job, dg.DagsterInstance.ephemeral(), None, QUIET, watcher)
        watcher.end(steps)
    return watcher, stream.getvalue(), steps, result


def test_every_step_is_reported_once_with_its_rows_and_result():
    watcher, output, steps, result = run_small_job()
    assert not result.success
    assert watcher.error is None
    lines = {line.split()[4]: line for line in output.splitlines()}
    assert sorted(lines) == sorted(steps)
    numbers = sorted(int(line.split()[1]) for line in lines.values())
    assert numbers == list(range(1, len(steps) + 1))
    assert all(f" of {len(steps)}  " in line for line in lines.values())
    assert "1,234 rows" in lines["table"] and lines["table"].endswith(" s  ok")
    # the ingest counts its accepted lines, not raw + core
    assert "90 rows" in lines["ingest_src"] and "9 quarantined" in lines["ingest_src"]
    assert "7 rows" in lines["checked"] and "FAILED" in lines["checked"]
    assert lines["downstream"].endswith("not run (upstream failed)")
    assert "FAILED" in lines["broken"]
    assert "Traceback" not in output


def test_checks_and_failures_are_kept_in_full():
    watcher, _, _, _ = run_small_job()
    assert sorted((c.table, c.name, c.result) for c in watcher.results()) == [
        ("checked", "blocks", "FAILED"),
        ("checked", "warns", "WARNING"),
        ("downstream", "never", "not run"),
    ]
    report = "\n".join(failure_report(watcher))
    assert "FAILED broken:" in report
    assert "the feed is broken: call the bank" in report
    assert "FAILED check checked:blocks (blocking)" in report
    assert "2 rows break the rule" in report and "bad_ids: A, B" in report
    assert "WARNING check checked:warns" in report
    assert "Stack Trace" not in report and "File " not in report  # stacks only with --verbose


def test_step_lines_and_counts_read_well():
    step = Step("ingest_events", "ok", 12.34, 68392, quarantined=3, checks=4)
    assert step_line(12, 52, step, 20) == (
        "step 12 of 52  ingest_events             68,392 rows    12.3 s  "
        "ok, 3 quarantined, 4 checks ok"
    )
    assert step_line(3, 52, Step("x", "not run", note="upstream failed"), 1).endswith(
        "-         -  not run (upstream failed)"
    )
    checks = [Check("t", "a", "ok"), Check("t", "b", "FAILED"), Check("u", "c", "not run")]
    assert checks_line(checks) == "checks: 2 run: 1 ok, 0 WARNING, 1 FAILED, 1 not run"
    assert [duration(s) for s in (4.24, 185, 3720)] == ["4.2 s", "3 min 05 s", "1 h 02 min"]


def test_the_eta_follows_the_last_run_scaled_by_this_one():
    stream = io.StringIO()
    progress = RunProgress(["a", "b", "c"], {"a": 10.0, "b": 20.0, "c": 30.0}, False, stream)
    assert progress._left() == (None, 60.0)
    progress.finished(Step("a", "ok", 20.0))  # twice as slow as last time
    assert progress._left() == (None, 100.0)
    assert stream.getvalue().startswith("step 1 of 3  a")


def test_a_long_step_is_mentioned_on_a_log_with_its_eta(monkeypatch):
    import time

    from wealthgraph import run

    monkeypatch.setattr(run, "HEARTBEAT_SECONDS", 0.2)
    stream = io.StringIO()
    with RunProgress(["fit", "publish"], {"fit": 60.0, "publish": 5.0}, False, stream) as progress:
        progress.started("fit")
        time.sleep(0.7)
        progress.finished(Step("fit", "ok", 0.7))
    first = stream.getvalue().splitlines()[0]
    assert first.startswith("step 1 of 2  fit still running after 0.")
    assert "step ETA 59." in first and "run ETA 1 min 0" in first
