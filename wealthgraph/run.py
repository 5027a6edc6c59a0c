"""What ``wealthgraph run`` shows: a line per step as it finishes (under a live progress display
with ETAs on a terminal) and, at its end, the warehouse summary with every check's result.

Dagster-free: pipelines.run runs the jobs (under the run lock) and turns their events into the
``Step`` and ``Check`` records rendered here.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from wealthgraph.settings import Settings

# on a log (not a terminal), a step still running is mentioned again this often
HEARTBEAT_SECONDS = 30.0
# the order the summary lists tables in: the order data flows through the layers
LAYERS = ("raw", "staging", "core", "quality", "features", "graph", "recommend", "marts")
# the layers the summary always lists (raw, staging and quality only where a check ran)
SUMMARY_SCHEMAS = ("core", "graph", "features", "marts")


@dataclass(frozen=True)
class Step:
    """One step of a run (one asset, or a multi-asset such as a source's ingest), finished.

    ``rows`` is what its materializations reported (metadata ``rows``, or ``rows_accepted``
    for an ingest), None when they reported none; ``seconds`` is measured, None if it never ran.
    """

    key: str
    status: str  # "ok", "FAILED", "skipped" or "not run"
    seconds: float | None = None
    rows: int | None = None
    quarantined: int = 0
    checks: int = 0  # checks evaluated in the step
    failed_checks: int = 0  # of those, blocking ones that did not pass
    warned_checks: int = 0  # of those, warning ones that did not pass
    note: str = ""  # why it did not run


@dataclass(frozen=True)
class Check:
    """One asset check of the run and its result: "ok", "WARNING", "FAILED" or "not run"."""

    table: str  # "core.events"
    name: str
    result: str


def duration(seconds: float) -> str:
    """``4.2 s``, ``3 min 05 s``, ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def step_line(number: int, total: int, step: Step, key_width: int = 34) -> str:
    """``step  3 of 52  ingest_branches      40 rows    2.1 s  ok, 5 checks ok``."""
    rows = f"{step.rows:,} rows" if step.rows is not None else "-"
    seconds = f"{step.seconds:.1f} s" if step.seconds is not None else "-"
    outcome = [f"{step.status} ({step.note})" if step.note else step.status]
    if step.quarantined:
        outcome.append(f"{step.quarantined:,} quarantined")
    if step.checks:
        checks = "check" if step.checks == 1 else "checks"
        if step.failed_checks:
            outcome.append(f"{step.failed_checks} of {step.checks} {checks} FAILED")
        elif step.warned_checks:
            outcome.append(f"{step.warned_checks} of {step.checks} {checks} warned")
        else:
            outcome.append(f"{step.checks} {checks} ok")
    width = len(str(total))
    return (
        f"step {number:>{width}} of {total}  {step.key:<{key_width}} {rows:>16} {seconds:>9}  "
        + ", ".join(outcome)
    )


class RunProgress:
    """Reports a run's steps as they finish, as one plain line each; on a terminal the same
    lines scroll above a live display of the whole run and of the running step, with ETAs.

    ETAs come from how long each step took in the last successful run (``expected``), scaled
    by how this run compares so far; a step with no history counts as the mean step of this
    run. On a log a running step is mentioned every HEARTBEAT_SECONDS, with its ETA.
    """

    def __init__(
        self,
        steps: Sequence[str],
        expected: dict[str, float] | None = None,
        live: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.total = len(steps)
        self.pending = Counter(steps)
        self.expected = expected or {}
        self.live = self.stream.isatty() if live is None else live
        self.key_width = max((len(key) for key in steps), default=20)
        self.done = 0
        self.started_at = time.perf_counter()
        self._durations: list[float] = []
        self._actual = self._planned = 0.0  # seconds of finished steps that had a history
        self._running: tuple[str, float] | None = None
        self._heartbeat = 0.0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._progress = None

    # --- what pipelines.run calls ---------------------------------------------------------

    def __enter__(self) -> RunProgress:
        if self.live:
            self._start_live()
        self._ticker = threading.Thread(target=self._tick, name="run-progress", daemon=True)
        self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._progress is not None:
            self._progress.stop()

    def started(self, key: str) -> None:
        with self._lock:
            self._running = (key, time.perf_counter())
            self._heartbeat = 0.0
            if self._progress is not None:
                guess = self._guess(key)
                self._progress.reset(
                    self._step_task,
                    total=guess,
                    description=key,
                    visible=True,
                    width=self._width,
                    detail="",
                    eta="",
                )
                self._refresh()

    def finished(self, step: Step) -> None:
        with self._lock:
            self.done += 1
            if self.pending[step.key] > 0:
                self.pending[step.key] -= 1
            if self._running and self._running[0] == step.key:
                self._running = None
            if step.seconds is not None and step.status == "ok":
                self._durations.append(step.seconds)
                if step.key in self.expected:
                    self._actual += step.seconds
                    self._planned += self.expected[step.key]
            line = step_line(self.done, self.total, step, self.key_width)
            style = {"ok": "", "FAILED": "bold red"}.get(step.status, "yellow")
            if step.failed_checks:
                style = "bold red"
            elif step.warned_checks and not style:
                style = "yellow"
            self._print(line, style)
            if self._progress is not None:
                self._progress.update(self._step_task, visible=False)
                self._refresh()

    def warn(self, key: str, message: str) -> None:
        """A warning a step logged: shown at once, under the step's name."""
        with self._lock:
            self._print(f"  WARNING {key}: {message}", "yellow")

    # --- estimates ----------------------------------------------------------------------------

    def _scale(self) -> float:
        """How this run's finished steps compare with their last run (1 = as long)."""
        if self._planned <= 0:
            return 1.0
        return min(max(self._actual / self._planned, 0.1), 10.0)

    def _guess(self, key: str) -> float | None:
        """Seconds the step ``key`` should take, or None with nothing to go by."""
        if key in self.expected:
            return max(self.expected[key] * self._scale(), 0.1)
        if self._durations:
            return sum(self._durations) / len(self._durations)
        return None

    def _left(self) -> tuple[float | None, float | None]:
        """Seconds left in the running step and in the whole run (None: no estimate)."""
        step_left = None
        pending = Counter(self.pending)
        if self._running:
            key, since = self._running
            guess = self._guess(key)
            if guess is not None:
                step_left = max(guess - (time.perf_counter() - since), 0.0)
            pending[key] -= 1
        guesses = [self._guess(key) for key, n in pending.items() for _ in range(max(n, 0))]
        if any(g is None for g in guesses) or (self._running and step_left is None):
            return step_left, None
        return step_left, sum(guesses) + (step_left or 0.0)

    # --- output -------------------------------------------------------------------------------

    def _print(self, line: str, style: str = "") -> None:
        if self._progress is not None:
            from rich.text import Text

            self._progress.console.print(Text(line, style=style or None), soft_wrap=True)
        else:
            print(line, file=self.stream, flush=True)

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<{task.fields[width]}}"),
            BarColumn(bar_width=32),
            TextColumn("{task.fields[detail]}"),
            TextColumn("{task.fields[eta]}"),
            console=Console(file=self.stream),
            transient=True,
            refresh_per_second=4,
        )
        self._width = width = max(self.key_width, 9)
        self._run_task = self._progress.add_task(
            "whole run", total=self.total, width=width, detail="", eta=""
        )
        self._step_task = self._progress.add_task(
            "", total=None, visible=False, width=width, detail="", eta=""
        )
        self._progress.start()
        self._refresh()

    def _refresh(self) -> None:
        """Bring the live display up to date (called under the lock)."""
        step_left, run_left = self._left()
        elapsed = duration(time.perf_counter() - self.started_at)
        self._progress.update(
            self._run_task,
            completed=self.done,
            detail=(
                f"step {min(self.done + 1, self.total)} of {self.total}, {elapsed}"
                if self._running or self.done
                else f"starting Dagster, {elapsed}"
            ),
            eta=f"ETA {duration(run_left)}" if run_left is not None else "",
        )
        if self._running:
            key, since = self._running
            running = time.perf_counter() - since
            guess = self._guess(key)
            self._progress.update(
                self._step_task,
                completed=min(running, guess) if guess else running,
                detail=duration(running) + (f" of ~{duration(guess)}" if guess else ""),
                eta=f"ETA {duration(step_left)}" if step_left is not None else "",
            )

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                if self._progress is not None:
                    self._refresh()
                elif self._running:
                    key, since = self._running
                    running = time.perf_counter() - since
                    if running - self._heartbeat >= HEARTBEAT_SECONDS:
                        self._heartbeat = running
                        step_left, run_left = self._left()
                        eta = [f"step ETA {duration(step_left)}"] if step_left is not None else []
                        eta += [f"run ETA {duration(run_left)}"] if run_left is not None else []
                        print(
                            f"step {self.done + 1:>{len(str(self.total))}} of {self.total}  "
                            f"{key} still running after {duration(running)}"
                            + (f" ({', '.join(eta)})" if eta else ""),
                            file=self.stream,
                            flush=True,
                        )


# --- the closing summary -----------------------------------------------------------------


def _layer(table: str) -> tuple[int, str]:
    schema = table.split(".", 1)[0]
    return (LAYERS.index(schema) if schema in LAYERS else len(LAYERS), table)


def _counted(con, tables: Iterable[str]) -> dict[str, int]:
    """Row counts of those of ``tables`` that exist (quoted ``schema.name``)."""
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }
    return {
        table: con.execute(f"select count(*) from {table}").fetchone()[0]
        for table in tables
        if table in existing
    }


def _pack(items: Sequence[str], width: int) -> list[str]:
    """``items`` joined by commas into lines of at most ``width`` (an item is never split)."""
    lines = [""]
    for item in items:
        if lines[-1] and len(lines[-1]) + 2 + len(item) > width:
            lines[-1] += ","
            lines.append(item)
        else:
            lines[-1] += (", " if lines[-1] else "") + item
    return lines


def checks_line(checks: Sequence[Check]) -> str:
    """``checks: 77 run: 76 ok, 1 WARNING, 0 FAILED, 0 not run``."""
    results = Counter(check.result for check in checks)
    ran = len(checks) - results["not run"]
    return (
        f"checks: {ran} run: {results['ok']} ok, {results['WARNING']} WARNING, "
        f"{results['FAILED']} FAILED, {results['not run']} not run"
    )


def summary(settings: Settings, checks: Sequence[Check] = (), width: int = 110) -> str:
    """Row counts of every warehouse table with the result of each of its checks, what was
    quarantined, and every landing file the run did not ingest, with its reason."""
    from wealthgraph.warehouse import connect

    by_table: dict[str, list[Check]] = {}
    for check in checks:
        by_table.setdefault(check.table, []).append(check)
    con = connect(settings.database)
    try:
        names = [
            name
            for (name,) in con.execute(
                f"""
                select schema_name || '.' || table_name from duckdb_tables()
                where schema_name in ({", ".join(f"'{s}'" for s in SUMMARY_SCHEMAS)})
                """
            ).fetchall()
        ]
        counts = _counted(con, sorted({*names, *by_table}))
        audited = con.execute(
            "select count(*) from duckdb_views() where view_name = 'ingest_audit'"
        ).fetchone()[0]
        audit = reasons = None
        left = []
        if audited:
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
        if "quality.landing_files" in _counted(con, ["quality.landing_files"]):
            left = con.execute(
                "select status, file_name, reason from quality.landing_files "
                "where status <> 'ingest' order by status desc, file_name"
            ).fetchall()
    finally:
        con.close()
    tables = sorted({*names, *by_table}, key=_layer)
    name_width = max((len(t) for t in tables), default=20) + 2
    head = f"  {'table':<{name_width}} {'rows':>12}  "
    lines = [f"warehouse {settings.database}"]
    if checks:
        lines.append("  " + checks_line(checks))
    lines.append(head + ("checks" if checks else "").rstrip())
    for table in tables:
        rows = f"{counts[table]:,}" if table in counts else "-"
        row = f"  {table:<{name_width}} {rows:>12}  "
        results = [f"{c.name} {c.result}" for c in by_table.get(table, [])]
        wrapped = _pack(results, max(width - len(row), 30))
        lines.append((row + wrapped[0]).rstrip())
        lines += [" " * len(row) + more for more in wrapped[1:]]
    if audit is None:
        lines.append("  no quality views yet (the run stopped early)")
    else:
        lines.append(
            f"  ingest: {audit[0] or 0:,} lines in = {audit[1] or 0:,} accepted "
            f"+ {audit[2] or 0:,} quarantined"
        )
        lines += [f"    quarantined {source}: {reason} x{n:,}" for source, reason, n in reasons]
    lines += [
        f"  {'WARNING: ' if status == 'refused' else ''}{status} {name}: {reason}"
        for status, name, reason in left
    ]
    return "\n".join(lines)


def published_line(settings: Settings) -> str:
    """The current published version beside the warehouse, as one line."""
    from wealthgraph.publish import current

    try:
        version = current(settings.published)
    except FileNotFoundError:
        return f"published: nothing yet under {settings.published}"
    return f"published: {version.version} (as of {version.as_of}) at {version.path}"
