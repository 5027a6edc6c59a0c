"""Contention for the warehouse: an analyst's open connection and a second run.

One writer at a time is DuckDB's rule. A run that meets an analyst's connection waits for it
(``WEALTHGRAPH_LOCK_WAIT`` seconds) and then proceeds or fails in one line; a second run
refuses at once and names the running one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.faults.conftest import RUN_TIMEOUT, Site, assert_clean_failure
from wealthgraph.locks import RunLockedError, WarehouseLockedError, lock_path, run_lock
from wealthgraph.settings import ROOT
from wealthgraph.warehouse import connect

WAITING = "is locked by another process"


class Output:
    """Collects a running process's stdout and stderr as they come (pipes never fill up)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in ((process.stdout, self.stdout), (process.stderr, self.stderr))
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.stderr):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.finish()
                pytest.fail(f"never printed {text!r}:\n{self.text()[-3000:]}")
            time.sleep(0.1)

    def finish(self) -> int:
        code = self.process.wait(timeout=RUN_TIMEOUT)
        for reader in self.readers:
            reader.join()
        return code

    def text(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)


def empty_warehouse(site: Site) -> None:
    """A DuckDB file at the warehouse path, so that an analyst can hold it before any run."""
    site.database.parent.mkdir(parents=True)
    duckdb.connect(str(site.database)).close()


def assert_no_traceback(text: str) -> None:
    assert "Traceback (most recent call last)" not in text, text[-3000:]
    assert "Stack Trace" not in text, text[-3000:]  # Dagster's form of a traceback


# --- an analyst's connection and a second run ------------------------------------------------


def test_a_run_waits_for_an_analyst_and_a_second_run_refuses_at_once(site):
    # one full run serves both contentions: while the first run waits for the analyst it holds
    # the run lock, which is just when a second run must refuse rather than queue behind it
    empty_warehouse(site)
    analyst = duckdb.connect(str(site.database), read_only=True)
    try:
        first = Output(site.popen("run", "--no-evaluation", WEALTHGRAPH_LOCK_WAIT="60"))
        first.wait_for(WAITING)
        waiting_since = time.monotonic()
        second = Output(site.popen("run", "--no-evaluation"))
        second_code = second.finish()
        # the first run has not got past the analyst yet, so the second did not wait for it
        first_still_waiting = first.process.poll() is None
        # the wait lasts long enough to be a wait, whatever the second run's start-up took
        time.sleep(max(0.0, waiting_since + 3 - time.monotonic()))
    finally:
        analyst.close()
    code = first.finish()

    assert (code, second_code) == (0, 1), [first.text()[-2000:], second.text()[-2000:]]
    assert first_still_waiting, "the second run did not refuse at once"
    assert_no_traceback(second.text())
    message = "".join(second.stderr).strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"another wealthgraph run is using {site.database}")
    assert f"PID {first.process.pid}" in message

    waiting = [line for line in first.stderr if WAITING in line]
    assert len(waiting) == 1, first.stderr
    assert f"PID {os.getpid()}" in waiting[0]
    assert "waiting up to 60 s (WEALTHGRAPH_LOCK_WAIT)" in waiting[0]
    assert any("warehouse free again after" in line for line in first.stderr)
    assert "run succeeded" in "".join(first.stdout)


def test_a_run_gives_up_in_one_line_when_the_connection_stays(site):
    empty_warehouse(site)
    analyst = duckdb.connect(str(site.database), read_only=True)
    try:
        started = time.monotonic()
        result = site.run(WEALTHGRAPH_LOCK_WAIT="2")
        elapsed = time.monotonic() - started
    finally:
        analyst.close()
    assert result.returncode == 1, result.stdout + result.stderr
    assert_clean_failure(result)
    assert_no_traceback(result.stdout + result.stderr)
    assert elapsed < 30, "it gave up long after WEALTHGRAPH_LOCK_WAIT"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"warehouse {site.database} is still locked by PID {os.getpid()}")
    assert f"{site.published}/current/wealthgraph.duckdb" in last
    assert "WEALTHGRAPH_LOCK_WAIT" in last
    assert "run succeeded" not in result.stdout


# --- the lock itself ------------------------------------------------------------------------

HOLD_LOCK = """
import sys
from wealthgraph.locks import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def hold_in_another_process(code: str, *args: str) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=30)


def test_the_run_lock_is_reentrant_in_one_process(tmp_path):
    database = tmp_path / "wh" / "wh.duckdb"
    with run_lock(database), run_lock(database):
        assert str(os.getpid()) in lock_path(database).read_text()
    # released for real: another process can take it now
    release(hold_in_another_process(HOLD_LOCK, str(database)))


def test_the_run_lock_refuses_another_process_and_names_it(tmp_path):
    database = tmp_path / "wh.duckdb"
    holder = hold_in_another_process(HOLD_LOCK, str(database))
    try:
        with pytest.raises(RunLockedError) as refused, run_lock(database):
            pass
    finally:
        release(holder)
    message = str(refused.value)
    assert "\n" not in message
    assert f"PID {holder.pid}, started 20" in message
    assert str(database) in message
    with run_lock(database):
        pass


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    database = tmp_path / "wh.duckdb"
    holder = hold_in_another_process(HOLD_LOCK, str(database))
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    with run_lock(database):
        pass


def test_publish_refuses_while_a_run_holds_the_lock(site):
    with run_lock(site.database):
        result = site.cli("publish")
    assert result.returncode == 1
    assert_no_traceback(result.stdout + result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    expected = f"another wealthgraph run is using {site.database} (PID {os.getpid()}, started"
    assert lines[0].startswith(expected), lines[0]


# --- connect(): waiting for DuckDB's file lock -------------------------------------------------

HOLD_DATABASE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
print("held", flush=True)
sys.stdin.read()
con.close()
"""


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "wh" / "wh.duckdb"
    path.parent.mkdir()
    duckdb.connect(str(path)).close()
    return path


def test_connect_waits_until_the_reader_is_gone(database, monkeypatch, capfd):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "20")
    holder = hold_in_another_process(HOLD_DATABASE, str(database), "read_only")
    threading.Timer(1.5, release, [holder]).start()
    started = time.monotonic()
    connect(database).close()
    assert 1.0 < time.monotonic() - started < 10
    err = capfd.readouterr().err
    assert err.count(WAITING) == 1
    assert f"(PID {holder.pid}, e.g. an analyst's connection)" in err
    assert "waiting up to 20 s (WEALTHGRAPH_LOCK_WAIT)" in err


def test_connect_gives_up_after_the_wait(database, monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "1")
    holder = hold_in_another_process(HOLD_DATABASE, str(database), "read_only")
    try:
        with pytest.raises(WarehouseLockedError) as locked:
            connect(database)
    finally:
        release(holder)
    message = str(locked.value)
    assert "\n" not in message
    assert message.startswith(f"warehouse {database} is still locked by PID {holder.pid}")
    assert str(database.parent / "wh.published" / "current" / "wealthgraph.duckdb") in message


def test_connect_does_not_wait_when_told_not_to(database, monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "0")
    holder = hold_in_another_process(HOLD_DATABASE, str(database), "read_only")
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError):
            connect(database)
        assert time.monotonic() - started < 1
    finally:
        release(holder)


def test_a_reader_waits_for_the_writer_too(database, monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "1")
    holder = hold_in_another_process(HOLD_DATABASE, str(database), "read_write")
    try:
        with pytest.raises(WarehouseLockedError, match=f"PID {holder.pid}"):
            connect(database, read_only=True)
    finally:
        release(holder)
    connect(database, read_only=True).close()


def test_other_io_errors_are_not_waited_for(tmp_path, monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "30")
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("not a database\n" * 1000)
    started = time.monotonic()
    with pytest.raises(duckdb.Error) as error:
        connect(not_duckdb)
    assert not isinstance(error.value, WarehouseLockedError)
    assert time.monotonic() - started < 5


def test_a_bad_lock_wait_is_named(database, monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_LOCK_WAIT", "soon")
    holder = hold_in_another_process(HOLD_DATABASE, str(database), "read_only")
    try:
        with pytest.raises(ValueError, match="WEALTHGRAPH_LOCK_WAIT"):
            connect(database)
    finally:
        release(holder)


# --- wealthgraph run --as-of --------------------------------------------------------------------


def test_a_bad_as_of_date_is_a_usage_error(site):
    result = site.cli("run", "--as-of", "2026-13-01")
    assert result.returncode == 2
    assert_no_traceback(result.stdout + result.stderr)
    assert "--as-of" in result.stderr and "2026-13-01" in result.stderr
    assert "YYYY-MM-DD" in result.stderr
