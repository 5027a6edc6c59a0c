"""Corrupted landing rows of every kind end in quarantine with a reason; nothing is lost."""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest

from pipelines.run import failed_checks, failures, materialize_range
from wealthgraph import landing


def _append(path, lines: list[bytes]) -> None:
    data = gzip.decompress(path.read_bytes()) + b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data))


def _first(path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.loads(handle.readline())


def _event(base: dict, **changes) -> bytes:
    return json.dumps({**base, **changes}).encode()


# (what is wrong, how the line is made from a valid event, the reason's start)
def corruptions(event: dict, day: str) -> list[tuple[bytes, str]]:
    e = {**event, "event_type": "login", "target_id": None, "amount": None}
    return [
        (b'{"event_id": "X1", "ts": ', "unparsable line"),
        (b"\xff\xfe not utf-8 \xc3\x28", "bad encoding"),
        (b"[1, 2, 3]", "unparsable line"),
        (_event(e, event_id="X2", ts="yesterday"), "bad format: ts"),
        (_event(e, event_id="X3", amount="lots"), "wrong type: amount"),
        (_event(e, event_id="X4", event_type="teleport"), "unknown event_type"),
        (_event({k: v for k, v in e.items() if k != "user_id"}, event_id="X5"), "missing field"),
        (_event(e, event_id="X6", user_id="C9999999"), "unknown user_id"),
        (_event(e, event_id="X7", ts="1999-01-01T10:00:00"), "timestamp outside partition"),
        (
            _event(e, event_id="X8", event_type="transfer", target_id=None, amount=5),
            "missing field: target_id",
        ),
        (
            _event(e, event_id="X9", event_type="scenario_payment", category="dining", amount=-3),
            "impossible amount",
        ),
        (
            _event(e, event_id="X10", event_type="product_buy", target_id="P9999", amount=10),
            "unknown target_id (product)",
        ),
        (
            _event(e, event_id="X11", event_type="manager_rating", target_id="M0001", rating=9),
            "impossible rating",
        ),
        (json.dumps(event).encode(), "duplicate event_id"),
    ]


def _snapshot(tables: list[str], db) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in tables}
    finally:
        con.close()


def test_corrupted_rows_are_quarantined_with_reasons_and_rerun_changes_nothing(
    one_day_landing, settings_for
):
    root, day = one_day_landing
    events_file = landing.source_path(root, landing.EVENTS, day)
    valid = _first(events_file)
    cases = corruptions(valid, day.isoformat())
    _append(events_file, [line for line, _ in cases])
    snapshots_file = landing.source_path(root, landing.SNAPSHOTS, day)
    snap = _first(snapshots_file)
    _append(
        snapshots_file,
        [
            json.dumps({**snap, "account_id": "BAD1", "balance": -100}).encode(),
            json.dumps({**snap, "account_id": "BAD2", "product_id": "P9999"}).encode(),
        ],
    )
    settings = settings_for(root)

    first = materialize_range(settings, day.isoformat(), day.isoformat())
    assert first.success
    assert failed_checks(first) == []

    con = duckdb.connect(str(settings.database), read_only=True)
    quarantined = dict(
        con.execute(
            "select line_no, reason from quality.quarantine where source = 'events'"
        ).fetchall()
    )
    lines_before = con.execute(
        "select rows_in from raw.landed_files where source = 'events'"
    ).fetchone()[0] - len(cases)
    audit = con.execute(
        "select source, rows_in, rows_accepted, rows_quarantined from quality.ingest_audit"
    ).fetchall()
    snapshot_reasons = [
        r
        for (r,) in con.execute(
            "select reason from quality.quarantine where source = 'snapshots' order by line_no"
        ).fetchall()
    ]
    con.close()

    for offset, (_, reason) in enumerate(cases, start=1):
        assert quarantined[lines_before + offset].startswith(reason), (offset, reason)
    assert len(quarantined) == len(cases)  # the valid lines were all accepted
    assert snapshot_reasons[-2].startswith("impossible balance")
    assert snapshot_reasons[-1].startswith("unknown product_id")
    assert sorted(source for source, *_ in audit) == sorted(landing.SOURCES)
    for source, rows_in, accepted, rejected in audit:
        assert rows_in == accepted + rejected, source

    tables = [f"{layer}.{s}" for layer in ("raw", "staging", "core") for s in landing.SOURCES]
    tables.append("raw.landed_files")
    before = _snapshot(tables, settings.database)
    again = materialize_range(settings, day.isoformat(), day.isoformat())
    assert again.success
    assert _snapshot(tables, settings.database) == before


def test_unreadable_file_fails_naming_it_and_leaves_other_days_intact(tmp_path, settings_for):
    from tests.conftest import cut_landing, sample_days

    day1, day2 = sample_days()[:2]
    root = cut_landing(tmp_path / "landing", [day1, day2])
    settings = settings_for(root)
    assert materialize_range(settings, day1.isoformat(), day2.isoformat()).success
    con = duckdb.connect(str(settings.database), read_only=True)
    kept = con.execute("select count(*) from core.events where partition_date = ?", [day1])
    kept = kept.fetchone()[0]
    con.close()

    broken = landing.source_path(root, landing.EVENTS, day2)
    broken.write_bytes(b"this is not gzip")
    result = materialize_range(settings, day2.isoformat(), day2.isoformat())
    assert not result.success
    messages = failures(result)
    assert any(
        m.startswith("ingest_events:") and str(broken) in m and "gzip" in m for m in messages
    ), messages

    con = duckdb.connect(str(settings.database), read_only=True)
    after = con.execute("select count(*) from core.events where partition_date = ?", [day1])
    assert after.fetchone()[0] == kept > 0
    con.close()


@pytest.mark.parametrize("payload", [b"this is not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_read_lines_names_the_file_it_cannot_read(tmp_path, payload):
    from wealthgraph.ingest import LandingFileError
    from wealthgraph.ingest.lines import read_lines

    path = tmp_path / "2026-10-01.jsonl.gz"
    path.write_bytes(payload)
    with pytest.raises(LandingFileError, match=r"2026-10-01\.jsonl\.gz: not a readable gzip"):
        read_lines(path)


@pytest.mark.parametrize("last", [b"\n", b""])
def test_read_lines_numbers_lines_and_keeps_bytes(tmp_path, last):
    from wealthgraph.ingest.lines import read_lines

    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n\xff\n\n{"b": 2}' + last))
    table = read_lines(path)
    assert table["line_no"].to_pylist() == [1, 2, 3, 4]
    # each line keeps its newline (none after the last line when the file has none)
    assert table["line"].to_pylist() == [b'{"a": 1}\n', b"\xff\n", b"\n", b'{"b": 2}' + last]
