"""The ``wealthgraph`` command: every subcommand's --help (exit 0, defaults shown, nothing
done), an unknown option (exit 2), and each mistake an operator makes: one line on stderr
naming the fix, a non-zero exit, never a traceback. Nothing here runs the pipeline.

A few cases go through the real console script in a fresh process; the rest call
``pipelines.cli.main`` in this one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from wealthgraph.locks import run_lock
from wealthgraph.publish import DATABASE_NAME
from wealthgraph.settings import ROOT

SCRIPT = Path(sys.executable).parent / "wealthgraph"
COMMANDS = ["run", "generate", "lastfm", "berka", "wealth-report", "publish", "serve", "dev"]
# what each command's --help must show as a default
DEFAULTS = {
    "run": "[default: the last complete landed day",
    "generate": "[default: 2000",
    "wealth-report": "[default: wealth-CUSTOMER_ID.html]",
    "serve": "[default: 8000",
    "dev": "[default: 3000",
}


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    """An empty folder as the warehouse's and this process's home: WEALTHGRAPH_DB points into
    it, nothing exists yet. Returns the warehouse path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEALTHGRAPH_DB", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("WEALTHGRAPH_DATA", str(ROOT / "data_samples"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name in (
        "WEALTHGRAPH_LOCK_WAIT",
        "WEALTHGRAPH_KEEP_VERSIONS",
        "WEALTHGRAPH_KEEP_DAYS",
        "WEALTHGRAPH_MEMORY_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "wh.duckdb"


def script(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """The installed ``wealthgraph`` console script, run to its end in a fresh process."""
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(err: str) -> str:
    """The single line a failed command printed on stderr."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def published_copy(site: Path, customers: list[str]) -> Path:
    """A published version beside ``site`` holding marts.wealth_summary for ``customers``, as
    wealthgraph.publish lays it out (all wealth-report reads before the page)."""
    root = site.parent / f"{site.stem}.published"
    version = root / "v20261031T000000000000Z"
    version.mkdir(parents=True)
    with duckdb.connect(str(version / DATABASE_NAME)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.wealth_summary (customer_id varchar)")
        con.executemany("insert into marts.wealth_summary values (?)", [[c] for c in customers])
    manifest = {
        "version": version.name,
        "published_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC).isoformat(),
        "as_of": "2026-10-31",
        "tables": {},
    }
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "current").symlink_to(version.name)
    return version / DATABASE_NAME


# --- help ----------------------------------------------------------------------------------


def test_top_level_help_lists_every_command_cleanly(tmp_path):
    result = script("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: wealthgraph [OPTIONS] COMMAND")
    for command in COMMANDS:
        assert f"\n  {command} " in result.stdout, command
    assert "``" not in result.stdout  # no reStructuredText markup from a docstring
    assert result.stderr == ""


def test_no_command_shows_the_help(site, capsys):
    assert main([]) == 2
    assert "Commands:" in capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_its_defaults_and_does_nothing(command, site, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: wealthgraph {command} ")
    assert "-h, --help" in out
    if command in DEFAULTS:
        assert DEFAULTS[command] in " ".join(out.split()), out
    assert list(site.parent.iterdir()) == []  # no warehouse, lock, Dagster home or copy


def test_publish_help_through_the_script_publishes_nothing(site):
    # it once published the warehouse and exited 0
    result = script("publish", "--help", cwd=site.parent, WEALTHGRAPH_DB=str(site))
    assert result.returncode == 0, result.stderr
    assert "Publish the warehouse" in result.stdout
    assert list(site.parent.iterdir()) == []


# --- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_a_usage_error(command, site, capsys):
    assert main([command, "--bogus"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"wealthgraph {command}: No such option: --bogus")
    assert f"wealthgraph {command} --help" in line
    assert list(site.parent.iterdir()) == []


def test_an_unknown_option_through_the_script(site):
    result = script("publish", "--bogus", cwd=site.parent, WEALTHGRAPH_DB=str(site))
    assert result.returncode == 2
    assert "No such option: --bogus" in one_line(result.stderr)
    assert list(site.parent.iterdir()) == []


def test_an_unknown_command_is_a_usage_error(site, capsys):
    assert main(["bogus"]) == 2
    assert "No such command 'bogus'" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--as-of", "2026-13-01"], "not a date (YYYY-MM-DD): '2026-13-01'"),
        (["generate", "--out", "x", "--users", "10"], "Invalid value for '--users'"),
        (["generate"], "Missing option '--out'"),
        (["serve", "--port", "0"], "Invalid value for '--port'"),
        (["wealth-report"], "Missing argument 'CUSTOMER_ID'"),
    ],
)
def test_bad_values_are_usage_errors(args, expected, site, capsys):
    assert main(args) == 2
    assert expected in one_line(capsys.readouterr().err)
    assert list(site.parent.iterdir()) == []


# --- an operator's mistakes ----------------------------------------------------------------


def test_an_unknown_customer_is_one_line(site, capsys):
    database = published_copy(site, ["C0000001", "C0000002"])
    out = site.parent / "page.html"
    assert main(["wealth-report", "C9999999", str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"no wealth summary for C9999999 in the published copy {database}")
    assert "C0000001 .. C0000002" in line  # what an id looks like there
    assert not out.exists()


def test_a_report_with_nothing_published_is_one_line(site, capsys):
    assert main(["wealth-report", "C0000001"]) == 1
    assert one_line(capsys.readouterr().err).startswith("nothing published under")
    assert not (site.parent / "wealth-C0000001.html").exists()


def test_publish_without_a_warehouse_is_one_line(site, capsys):
    assert main(["publish"]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"no warehouse at {site}: run the pipeline first (wealthgraph run)"
    )
    assert not site.exists()


def test_publish_of_an_unbuilt_warehouse_is_one_line(site, capsys):
    duckdb.connect(str(site)).close()
    assert main(["publish"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("cannot publish ") and "run the pipeline first" in line
    assert not (site.parent / "wh.published" / "current").exists()


@pytest.mark.parametrize("command", ["publish", "run"])
def test_a_warehouse_that_is_not_a_duckdb_file_is_one_line(command, site, capsys):
    site.mkdir()  # WEALTHGRAPH_DB names a folder
    assert main([command]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"cannot open the warehouse {site}: ")
    assert "WEALTHGRAPH_DB" in line


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        ("run", "WEALTHGRAPH_LOCK_WAIT", "soon"),
        ("run", "WEALTHGRAPH_KEEP_DAYS", "forever"),
        ("publish", "WEALTHGRAPH_KEEP_VERSIONS", "all"),
        ("publish", "WEALTHGRAPH_MEMORY_LIMIT", "lots"),
        ("dev", "WEALTHGRAPH_MEMORY_LIMIT", "lots"),
    ],
)
def test_a_bad_setting_is_one_line(command, variable, value, site, monkeypatch, capsys):
    monkeypatch.setenv(variable, value)
    assert main([command]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"{variable} must be ") and repr(value) in line
    assert not site.exists() and not (site.parent / "wh.dagster").exists()


@pytest.mark.parametrize("adapter", ["lastfm", "berka"])
def test_a_dataset_path_that_is_not_there_is_one_line(adapter, site, capsys):
    out = site.parent / "landing"
    assert main([adapter, str(site.parent / "nowhere"), str(out)]) == 2
    assert one_line(capsys.readouterr().err).startswith(f"no folder {site.parent / 'nowhere'}")
    (site.parent / "empty").mkdir()
    assert main([adapter, str(site.parent / "empty"), str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"{site.parent / 'empty'} is not the ") and "(no " in line
    assert not out.exists()


def test_a_wrong_dataset_path_through_the_script(site):
    result = script("lastfm", "/nonexistent/lastfm", str(site.parent / "out"), cwd=site.parent)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("no folder /nonexistent/lastfm")


def test_a_day_that_has_not_landed_is_one_line(site, capsys):
    assert main(["run", "--day", "2020-01-01"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("no daily landing files for 2020-01-01 under ")
    assert "landed days: " in line and "2026-10-31)" in line  # what the operator may ask
    assert main(["run", "--day", "2026-10-02", "--as-of", "2026-10-03"]) == 2
    assert "leave out --as-of" in one_line(capsys.readouterr().err)
    assert not site.exists()


def test_a_second_run_refuses_at_once_in_one_line(site):
    # in another process: the run lock is re-entrant within this one
    with run_lock(site):
        result = script("run", cwd=site.parent, WEALTHGRAPH_DB=str(site))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"another wealthgraph run is using {site} (PID {os.getpid()}")
    assert not (site.parent / "wh.dagster").exists()


def test_dev_on_a_busy_port_says_so_before_starting(site, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dev", "--port", str(port)]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"port {port} on 127.0.0.1 is already in use: stop what uses it or pass --port"
    )
    assert not (site.parent / "wh.dagster").exists()  # nothing started, nothing set up


def test_a_failed_shard_is_one_line_and_leaves_the_layout(tmp_path, monkeypatch):
    import pipelines.shards
    from pipelines.cli import UserError, _build_shards

    def broken(hub, shard, shards):
        raise RuntimeError(f"shard shard-{shard}.duckdb failed: marts__social_map: disk full\nmore")

    monkeypatch.setattr(pipelines.shards, "build_shard", broken)
    with pytest.raises(UserError) as raised:
        _build_shards(tmp_path / "wh.duckdb", 2)
    assert str(raised.value) == (
        "shard 0 of 2 failed: shard shard-0.duckdb failed: marts__social_map: disk full (the "
        "run itself succeeded and is published; the shards' last versions are still served: "
        "fix it and run again with --shards 2)"
    )
    assert raised.value.code == 1
    assert not (tmp_path / "wh.shards").exists()
