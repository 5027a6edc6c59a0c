"""File-level faults, as an operator meets them: stray, misnamed, early and empty day files.

One landing folder lives through three runs of the real CLI, as a night's landing area might:
stray files first, then the strays cleared and two good days re-landed empty, then one of
those days declared empty on purpose. Each test reads what one run left.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from dataclasses import dataclass

import pytest

from tests.faults.conftest import Site, assert_clean_failure, make_site

LAST, BEFORE = "2026-10-31", "2026-10-30"  # the fixture's two days (the sample's last two)


@dataclass
class Run:
    result: subprocess.CompletedProcess
    files: dict[str, tuple[str, str | None]]  # file_name -> (status, reason)
    rows: dict[tuple[str, str], int]  # (source, day) -> rows in core
    published_as_of: str | None

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


def _observe(site: Site, result: subprocess.CompletedProcess) -> Run:
    files = {
        name: (status, reason)
        for name, status, reason in site.query(
            "select file_name, status, reason from quality.landing_files"
        )
    }
    rows = {}
    for source in ("events", "snapshots", "transactions"):
        for day, n in site.query(
            f"select partition_date::varchar, count(*) from core.{source} group by all"
        ):
            rows[(source, day)] = n
    manifest = site.published / "current" / "manifest.json"
    as_of = json.loads(manifest.read_text())["as_of"] if manifest.exists() else None
    return Run(result, files, rows, as_of)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    site = make_site(tmp_path_factory.mktemp("files"))
    events = site.day_file("events", LAST)
    first_line = json.loads(site.read_lines(events)[0])

    # night 1: strays beside the good days
    future = {**first_line, "event_id": "E_FUTURE", "ts": "2099-01-01T10:00:00"}
    site.write_lines(site.day_file("events", "2099-01-01"), [json.dumps(future).encode()])
    (site.landing / "events" / "2026-10-29.json.gz").write_bytes(events.read_bytes())
    (site.landing / "snapshots" / "2026-10-29.JSONL.GZ").write_bytes(
        site.day_file("snapshots", LAST).read_bytes()
    )
    site.day_file("events", "2026-02-30").write_bytes(events.read_bytes())
    observed = {"strays": _observe(site, site.run())}

    # night 2: the strays are cleared; two good days come again with nothing in them
    for stray in ("2099-01-01.jsonl.gz", "2026-10-29.json.gz", "2026-02-30.jsonl.gz"):
        (site.landing / "events" / stray).unlink()
    (site.landing / "snapshots" / "2026-10-29.JSONL.GZ").unlink()
    events.write_bytes(b"")  # zero bytes
    site.day_file("transactions", LAST).write_bytes(gzip.compress(b""))  # a gzip of nothing
    observed["empty"] = _observe(site, site.run())

    # night 3: the events day is declared empty on purpose
    (site.landing / "events" / f"{LAST}.empty").touch()
    observed["declared"] = _observe(site, site.run())
    return observed


def test_strays_do_not_stop_or_move_the_run(runs):
    run = runs["strays"]
    assert run.result.returncode == 0, run.output[-3000:]
    assert_clean_failure(run.result)
    assert run.published_as_of == LAST  # not 2099: the run date is chosen, not the largest name
    assert ("events", "2099-01-01") not in run.rows


@pytest.mark.parametrize(
    ("file_name", "status", "reason"),
    [
        ("events/2099-01-01.jsonl.gz", "held", "day after the run date 2026-10-31"),
        ("events/2026-10-29.json.gz", "refused", "unrecognised file name"),
        ("snapshots/2026-10-29.JSONL.GZ", "refused", "unrecognised file name"),
        ("events/2026-02-30.jsonl.gz", "refused", "invalid date in file name"),
    ],
)
def test_each_stray_is_named_with_its_reason(runs, file_name, status, reason):
    run = runs["strays"]
    assert run.files[file_name][0] == status
    assert run.files[file_name][1].startswith(reason)
    assert file_name in run.output  # the operator is told, by name


def test_removing_the_strays_recovers(runs):
    run = runs["empty"]
    assert run.result.returncode == 0, run.output[-3000:]
    assert run.published_as_of == LAST
    assert not any(name.startswith("events/2099") for name in run.files)


@pytest.mark.parametrize("source", ["events", "transactions"])
def test_an_empty_reland_keeps_the_day(runs, source):
    before, after = runs["strays"], runs["empty"]
    assert after.rows[(source, LAST)] == before.rows[(source, LAST)] > 0
    status, reason = after.files[f"{source}/{LAST}.jsonl.gz"]
    assert status == "refused"
    assert reason.startswith("empty file")
    assert f"{source}/{LAST}.jsonl.gz" in after.output


def test_a_day_declared_empty_is_emptied(runs):
    run = runs["declared"]
    assert run.result.returncode == 0, run.output[-3000:]
    assert ("events", LAST) not in run.rows
    assert run.rows[("events", BEFORE)] == runs["strays"].rows[("events", BEFORE)]
    assert run.files[f"events/{LAST}.jsonl.gz"][0] == "empty"
    # the transactions day was not declared empty: still kept
    assert run.rows[("transactions", LAST)] == runs["strays"].rows[("transactions", LAST)]


def test_a_bad_run_date_is_one_clear_line(site):
    result = site.cli("run", "--as-of", "2026-13-01")
    assert result.returncode != 0
    assert_clean_failure(result)
    assert "2026-13-01" in result.stderr
