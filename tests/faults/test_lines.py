"""Line-level faults, as real feeds deliver them, through the real CLI: one run, every fault.

Each bad line is quarantined with its reason whatever else is in its file, every file
balances (lines in = accepted + quarantined), the run succeeds and publishes. The faults are
planted by the session's ``dirty`` landing (conftest), whose run test_corrections shares.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import CUSTOMERS_FILE, EVENTS_FILE, assert_clean_failure


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
