"""benchmarks/berka_default.py and its features (wealthgraph/adapters/berka_loans.py) on the real
Berka files: the label, the transaction subset, no look-ahead past the loan date, no test label
in the out-of-fold graph feature, and a model that beats chance.

Expectations are read from the raw ``.asc`` files with the csv module, never with the code
under test.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
from polars.testing import assert_frame_equal

from wealthgraph.adapters import berka_loans as bl
from wealthgraph.settings import ROOT

BERKA = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "berka_pkdd99"
SCRIPT = ROOT / "benchmarks" / "berka_default.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("berka_default", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bd = _load_script()


def _rows(name: str) -> list[dict[str, str]]:
    with open(BERKA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _day(yymmdd: str) -> dt.date:
    return dt.datetime.strptime("19" + yymmdd[:6], "%Y%m%d").date()


@pytest.fixture(scope="module")
def data() -> bl.Berka:
    if not BERKA.is_dir():
        pytest.skip(f"Berka dataset not found at {BERKA} (../shared/datasets is optional)")
    return bl.read(BERKA)


def test_the_label_is_bad_for_b_and_d_good_for_a_and_c(data):
    raw = {int(r["loan_id"]): r["status"] for r in _rows("loan.asc")}
    assert len(raw) == 682 and data.loans.height == 682
    assert Counter(raw.values()) == {"A": 203, "B": 31, "C": 403, "D": 45}
    got = dict(zip(data.loans["loan_id"].to_list(), data.loans["bad"].to_list(), strict=True))
    assert got == {loan: status in ("B", "D") for loan, status in raw.items()}


def test_the_transaction_subset_is_the_loans_with_their_history_in_the_window(data):
    (sample,) = BERKA.glob("trans_sample_*.asc")
    first_seen: dict[str, dt.date] = {}
    last = dt.date.min
    with open(sample, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            day = _day(row["date"])
            last = max(last, day)
            first_seen[row["account_id"]] = min(first_seen.get(row["account_id"], day), day)
    # the window holds every transaction up to its last day: a loan the day after has all of
    # its history, a later one does not
    expected = {
        int(r["loan_id"])
        for r in _rows("loan.asc")
        if _day(r["date"]) <= last + dt.timedelta(days=1)
        and first_seen.get(r["account_id"], dt.date.max) < _day(r["date"])
    }
    subset = bl.transaction_subset(data.loans, data.trans)
    assert set(subset["loan_id"].to_list()) == expected
    assert subset.height == 38 and subset["bad"].sum() == 5
    assert bl.transaction_features(subset, data.trans)["loan_id"].to_list() == sorted(expected)


def _planted(data: bl.Berka, shift_days: int) -> bl.Berka:
    """Every loan account gets a huge overdrawn household payment to one shared counterparty,
    and a gold card, ``shift_days`` from its loan date."""
    when = pl.col("loan_date") + pl.duration(days=shift_days)
    trans = data.loans.select(
        "account",
        when.alias("day"),
        pl.lit(False).alias("credit"),
        pl.lit(1e6).alias("amount"),
        pl.lit(-1e6).alias("balance"),
        pl.lit("SIPO").alias("k_symbol"),
        pl.lit("household").alias("category"),
        pl.lit("ZZ:1").alias("counterparty"),  # would link every loan account to every other
    )
    owners = data.disp.filter(pl.col("type") == "OWNER").select("disp_id", "account")
    cards = data.loans.join(owners, on="account").select(
        "disp_id", pl.lit("gold").alias("type"), when.alias("issued")
    )
    return dataclasses.replace(
        data,
        trans=pl.concat([data.trans, trans]),
        cards=pl.concat([data.cards, cards]),
    )


def _loan_date_features(data: bl.Berka, subset: pl.DataFrame) -> list[pl.DataFrame]:
    graph, edges = bl.counterparty_links(data)
    return [
        bl.landed_features(data),
        bl.transaction_features(subset, data.trans),
        graph,
        edges,
    ]


def test_nothing_dated_on_or_after_the_loan_date_changes_a_feature(data):
    subset = bl.transaction_subset(data.loans, data.trans)
    before = _loan_date_features(data, subset)
    for shift in (0, 30):
        for old, new in zip(
            before, _loan_date_features(_planted(data, shift), subset), strict=True
        ):
            assert_frame_equal(old, new)
    # the same plants a day earlier are seen: the check above has teeth
    earlier = _loan_date_features(_planted(data, -1), subset)
    for old, new in zip(before[:3], earlier[:3], strict=True):
        assert not old.equals(new)


def test_the_neighbour_label_feature_never_sees_a_test_label():
    # every loan its own neighbour: a leak of test labels would score a perfect 1.0
    n = 200
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.2).astype(int)
    table = pl.DataFrame(
        {"loan_id": np.arange(n), "noise": rng.normal(size=n), bd.OOF_NEIGHBOUR_BAD: 0.0}
    )
    features = bd.Features(
        table, {"graph": ["noise", bd.OOF_NEIGHBOUR_BAD]}, y, sp.identity(n, format="csr")
    )
    splits = bd.splits_of(y, 5, 1, 19)
    scores = bd.fold_scores(features, ("graph",), "logistic", splits)
    assert scores[:, 0].mean() < 0.75


def test_the_full_model_beats_chance_clearly(data):
    features = bd.build_features(data)
    assert features.table["loan_id"].to_list() == data.loans["loan_id"].to_list()
    splits = bd.splits_of(features.y, 5, 1, 19)
    for kind in bd.MODELS:
        scores = bd.fold_scores(features, bd.FEATURE_SETS["full + graph"], kind, splits)
        roc, pr = scores.mean(axis=0)
        assert roc > 0.7, kind
        assert pr > 2 * features.y.mean(), kind  # PR AUC of a random ranking is the base rate


def test_a_missing_data_folder_is_one_line_not_a_traceback(tmp_path):
    argv = [sys.executable, str(SCRIPT), "--data", str(tmp_path / "nowhere")]
    argv += ["--out", str(tmp_path / "out.md")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "nowhere" in done.stderr
    assert not (tmp_path / "out.md").exists()
