"""Line-level faults, as real feeds deliver them, through the real CLI: one run, every fault.

Each bad line is quarantined with its reason whatever else is in its file, every file
balances (lines in = accepted + quarantined), the run succeeds and publishes.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from dataclasses import dataclass

import pytest

from tests.faults.conftest import Site, assert_clean_failure, make_site

DAY = "2026-10-31"


def _gbk(text: str) -> bytes:
    return text.encode("gbk")


def _line(row: dict) -> bytes:
    return json.dumps(row, ensure_ascii=False).encode()


@dataclass
class Dirty:
    site: Site
    result: subprocess.CompletedProcess
    planted: dict[tuple[str, str], str]  # (file, marker id) -> expected reason prefix
    lines: dict[str, int]  # file -> lines counted here, independently of ingest


def _plant_events(site: Site, planted: dict) -> None:
    path = site.day_file("events", DAY)
    lines = site.read_lines(path)
    rows = [json.loads(line) for line in lines]
    login = next(r for r in rows if r["event_type"] == "login")
    transfer = next(r for r in rows if r["event_type"] == "transfer")
    bad: list[bytes] = []

    def plant(line: bytes, marker: str, reason: str) -> None:
        bad.append(line)
        planted[(f"events/{DAY}.jsonl.gz", marker)] = reason

    # sent twice, and a blank line: the file once failed every day of its source
    bad += [lines[3], lines[4], b""]
    planted[(f"events/{DAY}.jsonl.gz", "<blank>")] = "unparsable line"
    for field in ("city", "device", "comment"):
        row = {**login, "event_id": f"X_GBK_{field}", field: "上海"}
        plant(_line(row).replace("上海".encode(), _gbk("上海")), row["event_id"], "bad encoding")
    for marker, ts in (
        ("X_OFFSET", f"{DAY}T23:30:00-05:00"),
        ("X_SLASH", DAY.replace("-", "/") + " 10:00:00"),
        ("X_DATE", DAY),
    ):
        plant(_line({**login, "event_id": marker, "ts": ts}), marker, "bad format: ts")
    plant(_line({**login, "event_id": ""}), "<empty id>", "empty field: event_id")
    duplicated = _line({**login, "event_id": "X_DUPKEY"})[:-1] + b', "device": "web"}'
    plant(duplicated, "X_DUPKEY", "duplicate key in JSON object")
    plant(_line({**login, "event_id": "X_DEVICE", "device": "nokia"}), "X_DEVICE", "unknown device")
    plant(
        _line({**login, "event_id": "X_CHANNEL", "channel": "fax"}), "X_CHANNEL", "unknown channel"
    )
    amount = _line({**transfer, "event_id": "X_AMOUNT", "amount": 1.0}).replace(
        b'"amount": 1.0', b'"amount": 100000000.004'
    )
    plant(amount, "X_AMOUNT", "too many decimals: amount")
    site.write_lines(path, lines[:5] + bad + lines[5:])


def _plant_transactions(site: Site) -> None:
    path = site.day_file("transactions", DAY)
    lines = site.read_lines(path)
    site.write_lines(path, [lines[0], lines[0], b"", *lines[1:]])


def _plant_customers(site: Site, planted: dict) -> None:
    path = site.landing / "reference" / "customers.jsonl.gz"
    lines = site.read_lines(path)
    row = json.loads(lines[-1])
    renamed = {**row, "customer_id": "C_GBK", "name": "王伟"}
    bad = _line(renamed).replace("王伟".encode(), _gbk("王伟"))
    planted[("reference/customers.jsonl.gz", "C_GBK")] = "bad encoding"
    planted[("reference/customers.jsonl.gz", "<blank>")] = "unparsable line"
    site.write_lines(path, [*lines, bad, b""])


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Dirty:
    site = make_site(tmp_path_factory.mktemp("lines"))
    planted: dict[tuple[str, str], str] = {}
    _plant_events(site, planted)
    _plant_transactions(site)
    _plant_customers(site, planted)
    counts = {}
    for path in sorted(site.landing.rglob("*.jsonl.gz")):
        data = gzip.decompress(path.read_bytes())
        # a trailing newline ends the last line; it does not start another
        counts[str(path.relative_to(site.landing))] = data.count(b"\n") + (
            1 if data and not data.endswith(b"\n") else 0
        )
    return Dirty(site, site.run(), planted, counts)


def test_the_run_succeeds_and_publishes(dirty):
    output = dirty.result.stdout + dirty.result.stderr
    assert dirty.result.returncode == 0, output[-3000:]
    assert_clean_failure(dirty.result)
    assert (dirty.site.published / "current" / "manifest.json").exists()


def test_every_file_balances(dirty):
    audit = {
        file_name: (rows_in, accepted, quarantined)
        for file_name, rows_in, accepted, quarantined in dirty.site.query(
            "select file_name, rows_in, rows_accepted, rows_quarantined from quality.ingest_audit"
        )
    }
    assert set(audit) == set(dirty.lines)
    for file_name, lines in dirty.lines.items():
        rows_in, accepted, quarantined = audit[file_name]
        assert lines == rows_in == accepted + quarantined, file_name


EVENTS_FILE, CUSTOMERS_FILE = f"events/{DAY}.jsonl.gz", "reference/customers.jsonl.gz"


@pytest.mark.parametrize(
    ("file_name", "case"),
    [
        *(
            (EVENTS_FILE, case)
            for case in (
                "<blank>",
                "X_GBK_city",
                "X_GBK_device",
                "X_GBK_comment",
                "X_OFFSET",
                "X_SLASH",
                "X_DATE",
                "<empty id>",
                "X_DUPKEY",
                "X_DEVICE",
                "X_CHANNEL",
                "X_AMOUNT",
            )
        ),
        (CUSTOMERS_FILE, "<blank>"),
        (CUSTOMERS_FILE, "C_GBK"),
    ],
)
def test_each_bad_line_is_quarantined_with_its_reason(dirty, file_name, case):
    reason = dirty.planted[(file_name, case)]
    if case == "<blank>":
        found = dirty.site.query(
            "select reason from quality.quarantine where file_name = ? and line_text = ''",
            [file_name],
        )
    elif case == "<empty id>":
        found = dirty.site.query(
            "select reason from quality.quarantine where file_name = ? "
            """and line_text like '%"event_id": ""%'""",
            [file_name],
        )
    else:
        found = dirty.site.query(
            "select reason from quality.quarantine where file_name = ? and line_text like ?",
            # a line that is not UTF-8 is shown with its bytes escaped (\\x22 for a quote)
            [file_name, f"%{case}\\x22%" if reason == "bad encoding" else f'%"{case}"%'],
        )
    assert [r for (r,) in found if r.startswith(reason)], (case, found)


def test_lines_sent_twice_keep_one_copy(dirty):
    reasons = dirty.site.query(
        "select source, reason from quality.quarantine where reason like 'duplicate %_id:%'"
    )
    assert sorted(source for source, _ in reasons) == ["events", "events", "transactions"]


def test_nothing_planted_reached_core_and_core_reads_whole(dirty):
    assert dirty.site.query(
        "select count(*) from core.events where event_id like 'X\\_%' escape '\\'"
    ) == [(0,)]
    assert dirty.site.query("select count(*) from core.events where event_id = ''") == [(0,)]
    for table in ("customers", "events", "transactions", "snapshots"):
        dirty.site.query(f"select * from core.{table}")  # once failed on bytes not UTF-8
