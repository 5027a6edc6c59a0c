"""The landing survey: every file gets a status and a reason, and the run date is chosen."""

from __future__ import annotations

import datetime as dt
import gzip

from wealthgraph import landing
from wealthgraph.ingest.files import complete_days, default_as_of, survey, survey_daily

DAY = dt.date(2026, 10, 31)


def _statuses(root, as_of=DAY) -> dict[str, tuple[str, str | None]]:
    return {f.file_name: (f.status, f.reason) for f in survey(root, as_of)}


def test_the_sample_is_all_ingested(one_day_landing):
    root, day = one_day_landing
    found = _statuses(root, day)
    assert {status for status, _ in found.values()} == {"ingest"}
    assert f"events/{day}.jsonl.gz" in found
    assert "reference/customers.jsonl.gz" in found


def test_each_fault_has_its_status(tmp_path):
    events = tmp_path / "events"
    events.mkdir()
    good = gzip.compress(b'{"a": 1}\n')
    for name, content in {
        "2026-10-30.jsonl.gz": good,
        "2026-10-31.jsonl.gz": b"",
        "2026-11-01.jsonl.gz": good,
        "2026-10-29.jsonl.gz": gzip.compress(b""),
        "2026-10-28.jsonl.gz": gzip.compress(b""),
        "2026-10-28.empty": b"",
        "2026-10-27.empty": b"",
        "2026-10-26.jsonl.gz": good,
        "2026-10-26.empty": b"",
        "2026-02-30.jsonl.gz": good,
        "2026-10-30.JSONL.GZ": good,
        "notes.txt": b"hello",
        ".2026-10-31.jsonl.gz.part": good,
    }.items():
        (events / name).write_bytes(content)
    found = {
        f.file_name.removeprefix("events/"): (f.status, f.reason)
        for f in survey_daily(tmp_path, landing.EVENTS, DAY)
    }
    assert {name: status for name, (status, _) in found.items()} == {
        "2026-10-30.jsonl.gz": "ingest",
        "2026-10-31.jsonl.gz": "refused",  # zero bytes: the day's rows are kept
        "2026-11-01.jsonl.gz": "held",  # after the run date
        "2026-10-29.jsonl.gz": "refused",  # a gzip of nothing
        "2026-10-28.jsonl.gz": "empty",  # declared empty by its marker
        "2026-10-27.empty": "empty",  # a marker alone empties its day
        "2026-10-26.jsonl.gz": "refused",  # a marker beside lines contradicts them
        "2026-02-30.jsonl.gz": "refused",
        "2026-10-30.JSONL.GZ": "refused",
        "notes.txt": "refused",
        ".2026-10-31.jsonl.gz.part": "refused",
    }
    assert found["2026-02-30.jsonl.gz"][1] == (
        "invalid date in file name: 2026-02-30 is not a calendar day"
    )
    assert found["2026-10-31.jsonl.gz"][1].startswith("empty file: the day's rows are kept")


def test_missing_and_empty_reference_files_keep_the_previous_state(one_day_landing):
    root, day = one_day_landing
    (root / "reference" / "branches.jsonl.gz").unlink()
    (root / "reference" / "products.jsonl.gz").write_bytes(gzip.compress(b""))
    found = _statuses(root, day)
    assert found["reference/branches.jsonl.gz"][0] == "refused"
    assert found["reference/products.jsonl.gz"][1].startswith("empty reference file")


def test_the_run_date_is_the_last_landed_day_not_in_the_future(one_day_landing):
    root, day = one_day_landing
    events = landing.source_path(root, landing.EVENTS, day)
    events.with_name("2099-01-01.jsonl.gz").write_bytes(events.read_bytes())
    assert default_as_of(root, today=dt.date(2026, 12, 6)) == day
    assert default_as_of(root, today=day - dt.timedelta(days=1)) is None
    assert complete_days(root)[-1] == dt.date(2099, 1, 1)


def test_landed_days_skip_names_that_give_no_day(tmp_path):
    events = tmp_path / "events"
    events.mkdir()
    for name in ("2026-10-01.jsonl.gz", "2026-02-30.jsonl.gz", "2026-10-02.json.gz", "x.jsonl.gz"):
        (events / name).write_bytes(b"")
    # 2026-02-30 once raised ValueError in the tools and benchmarks that list days
    assert landing.landed_days(tmp_path, landing.EVENTS) == [dt.date(2026, 10, 1)]
