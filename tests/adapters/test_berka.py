"""The Berka (PKDD'99) adapter against its raw files: month-end balances, decoded customers,
transaction categories, and a landing that ingests without quarantine.

Expectations are computed with DuckDB straight from the raw ``.asc`` files, never with the
adapter's code: in particular a day's last transaction is found by following the balance chain
(a transaction opens on the balance another one closed on), not by the adapter's ordering rule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from wealthgraph import landing
from wealthgraph.adapters.berka import birth_date, category, convert, gender
from wealthgraph.ingest import ingest_landing
from wealthgraph.warehouse import connect

BERKA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "berka_pkdd99"


def _raw(name: str) -> str:
    return f"read_csv('{BERKA / name}', delim=';', quote='\"', header=true)"


def _trans() -> str:
    (path,) = BERKA.glob("trans_sample_*.asc")
    return _raw(path.name)


@pytest.fixture(scope="module")
def berka(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    if not BERKA.is_dir():
        pytest.skip(f"Berka dataset not found at {BERKA} (../shared/datasets is optional)")
    out = tmp_path_factory.mktemp("berka") / "landing"
    return out, convert(BERKA, out)


# balances in cents, so equality is exact
def _expected_month_ends() -> str:
    return f"""
    with raw as (
        select
            trans_id,
            account_id,
            make_date(1900 + date // 10000, date // 100 % 100, date % 100) as day,
            round(balance * 100)::bigint as balance,
            round(case when type = 'PRIJEM' then amount else -amount end * 100)::bigint
                as signed
        from {_trans()}
    ),
    -- a day's last transaction is the one no other transaction of that account-day opened
    -- on (opening = balance - signed amount; Berka's interest rounding leaves links 0.10 off)
    last_of_day as (
        select account_id, day, count(*) as candidates, any_value(balance) as balance
        from raw
        where not exists (
            select 1 from raw as nxt
            where nxt.account_id = raw.account_id and nxt.day = raw.day
                and nxt.trans_id <> raw.trans_id
                and abs(nxt.balance - nxt.signed - raw.balance) <= 10
        )
        group by all
    ),
    days as (select distinct account_id, day from raw),
    closing as (
        select
            days.account_id,
            days.day,
            coalesce(last_of_day.candidates, 0) as candidates,
            -- every transaction followed: the day went round (in and out the same sum) and
            -- closed where it opened, on the previous day's closing balance
            coalesce(
                last_of_day.balance,
                lag(last_of_day.balance) over (partition by days.account_id order by days.day)
            ) as balance
        from days
        left join last_of_day using (account_id, day)
    ),
    bounds as (select min(day) as first_day, max(day) as last_day from raw),
    -- every month-end inside the window, and the window's last day (mid-month)
    as_ofs as (
        select distinct as_of from (
            select last_day(unnest(generate_series(
                date_trunc('month', first_day), last_day, interval 1 month
            )))::date as as_of from bounds
            union all
            select last_day from bounds
        ) where as_of <= (select last_day from bounds)
    ),
    grid as (
        select account_id, as_of
        from (select account_id, min(day) as first_day from raw group by all)
        join as_ofs on as_of >= first_day
    ),
    owners as (
        select account_id, 'C' || lpad(client_id::varchar, 7, '0') as customer_id
        from {_raw("disp.asc")} where type = 'OWNER'
    )
    select
        grid.as_of,
        'AC' || lpad(grid.account_id::varchar, 8, '0') as account_id,
        owners.customer_id,
        closing.balance,
        closing.candidates
    from grid
    asof join closing on closing.account_id = grid.account_id and closing.day <= grid.as_of
    join owners on owners.account_id = grid.account_id
    """


def _snapshots(out: Path) -> str:
    return (
        f"read_json('{out}/snapshots/*.jsonl.gz', format='newline_delimited', "
        "columns={as_of: 'DATE', customer_id: 'VARCHAR', account_id: 'VARCHAR', "
        "product_id: 'VARCHAR', balance: 'DECIMAL(18,2)', status: 'VARCHAR'})"
    )


# a negative balance lands as a 0 current-account row plus an overdraft row of the debt
def _net_account_balances(out: Path) -> str:
    return f"""
    select
        as_of,
        'AC' || substr(account_id, 3) as account_id,
        any_value(customer_id) as customer_id,
        (sum(case product_id when 'P_CURRENT' then balance else -balance end) * 100)::bigint
            as balance,
        count(*) as rows
    from {_snapshots(out)}
    where product_id in ('P_CURRENT', 'P_OVERDRAFT')
    group by all
    """


def test_month_end_balances_are_the_last_transactions_balance(berka):
    out, _ = berka
    con = duckdb.connect()
    expected = con.execute(_expected_month_ends()).pl()
    # the chain names exactly one closing transaction per day (or a day that went round)
    assert expected["candidates"].max() <= 1
    assert expected["balance"].null_count() == 0
    actual = con.execute(_net_account_balances(out)).pl()
    both = expected.join(actual, on=["as_of", "account_id"], how="full", suffix="_landed")
    missing = both.filter(pl.col("balance_landed").is_null())
    extra = both.filter(pl.col("balance").is_null())
    wrong = both.filter(
        (pl.col("balance") != pl.col("balance_landed"))
        | (pl.col("customer_id") != pl.col("customer_id_landed"))
    )
    assert missing.is_empty(), missing.head()
    assert extra.is_empty(), extra.head()
    assert wrong.is_empty(), wrong.head()
    # 1,229 accounts; 14 month-ends 1993-01-31 … 1994-02-28 plus the window's last day
    assert expected["account_id"].n_unique() == 1229
    assert sorted(expected["as_of"].unique())[-2:] == [dt.date(1994, 2, 28), dt.date(1994, 3, 30)]
    assert expected["as_of"].n_unique() == 15
    # an overdrawn account shows twice: the account at 0 and the overdraft, never both > 0
    assert actual["rows"].max() <= 2


def test_balance_totals_per_month_end_match_the_raw_file(berka):
    out, _ = berka
    con = duckdb.connect()
    expected = con.execute(
        f"select as_of, sum(balance) as total from ({_expected_month_ends()}) group by all"
    ).pl()
    landed = con.execute(
        f"select as_of, sum(balance) as total from ({_net_account_balances(out)}) group by all"
    ).pl()
    assert expected.sort("as_of").equals(landed.sort("as_of"))
    # an order-free cross-check: the total is the money that flowed in minus out so far, up to
    # Berka's rounding of 0.10 per posting at most
    flows = con.execute(
        f"""
        with raw as (
            select
                make_date(1900 + date // 10000, date // 100 % 100, date % 100) as day,
                round(case when type = 'PRIJEM' then amount else -amount end * 100)::bigint
                    as signed
            from {_trans()}
        )
        select as_of, sum(signed) as flow, count(*) as postings
        from (select distinct as_of from ({_expected_month_ends()}))
        join raw on raw.day <= as_of
        group by all
        """
    ).pl()
    drift = landed.join(flows, on="as_of").filter(
        (pl.col("total") - pl.col("flow")).abs() > 10 * pl.col("postings")
    )
    assert drift.is_empty(), drift


@pytest.mark.parametrize(
    ("birth_number", "expected_gender", "expected_birth"),
    [
        ("706213", "F", dt.date(1970, 12, 13)),  # month 62 = December + 50
        ("450204", "M", dt.date(1945, 2, 4)),
        ("110820", "M", dt.date(1911, 8, 20)),  # the oldest client: 1911, not 2011
        ("875927", "F", dt.date(1987, 9, 27)),  # the youngest
        ("195101", "F", dt.date(1919, 1, 1)),  # month 51 = January + 50
    ],
)
def test_birth_number_decoding(birth_number, expected_gender, expected_birth):
    row = pl.DataFrame({"birth_number": [birth_number]}).select(
        gender().alias("gender"), birth_date().alias("birth_date")
    )
    assert row.row(0) == (expected_gender, expected_birth)


def test_customers_decoded_from_the_client_file(berka):
    out, counts = berka
    customers = pl.read_ndjson(landing.source_path(out, landing.CUSTOMERS))
    first = customers.filter(pl.col("customer_id").is_in(["C0000001", "C0000002"])).sort(
        "customer_id"
    )
    assert first.select("gender", "birth_date", "branch_id").rows() == [
        ("F", "1970-12-13", "B018"),
        ("M", "1945-02-04", "B001"),
    ]
    assert counts["customers"] == 5369
    assert customers["registered_at"].null_count() == 0


@pytest.mark.parametrize(
    ("kind", "operation", "k_symbol", "expected"),
    [
        ("PRIJEM", "", "UROK", "interest"),
        ("PRIJEM", "PREVOD Z UCTU", "DUCHOD", "pension"),
        ("VYDAJ", "PREVOD NA UCET", "SIPO", "household"),
        ("VYDAJ", "VYBER", "SIPO", "household"),  # k_symbol wins over the cash operation
        ("VYDAJ", "PREVOD NA UCET", "POJISTNE", "insurance"),
        ("VYDAJ", "PREVOD NA UCET", "UVER", "loan_payment"),
        ("VYDAJ", "VYBER", "SLUZBY", "other"),  # account fees
        ("VYDAJ", "VYBER", "SANKC. UROK", "other"),  # penalty interest
        ("PRIJEM", "VKLAD", "", "cash"),
        ("VYBER", "VYBER", None, "cash"),
        ("VYDAJ", "VYBER", " ", "cash"),  # a blank k_symbol is no k_symbol
        ("VYDAJ", "VYBER KARTOU", "", "card_spend"),
        ("VYDAJ", "PREVOD NA UCET", " ", "transfer"),
        ("VYDAJ", "PREVOD NA UCET", None, "transfer"),
        ("PRIJEM", "PREVOD Z UCTU", "", "salary"),
        ("PRIJEM", "PREVOD Z UCTU", " ", "salary"),
        ("PRIJEM", "PREVOD Z UCTU", "NEZNAMY", "transfer"),  # an unknown purpose: not salary
        ("PRIJEM", None, None, "other"),
    ],
)
def test_category_mapping(kind, operation, k_symbol, expected):
    row = pl.DataFrame(
        {"type": [kind], "operation": [operation], "k_symbol": [k_symbol]},
        schema={"type": pl.String, "operation": pl.String, "k_symbol": pl.String},
    )
    assert row.select(category()).item() == expected


def test_every_trans_row_is_written_once(berka):
    _, counts = berka
    rows = duckdb.sql(f"select count(*) from {_trans()}").fetchone()[0]
    assert counts["transactions"] + counts["transactions_skipped_zero"] == rows == 46997
    assert counts["transactions_skipped_zero"] == 0  # no zero amounts in the sample


def test_landing_ingests_without_quarantine(berka, tmp_path):
    out, counts = berka
    days = sorted({d for s in landing.DAILY_SOURCES for d in landing.landed_days(out, s)})
    assert not landing.landed_days(out, landing.EVENTS)  # Berka has no app events
    con = connect(tmp_path / "wh.duckdb")
    files = ingest_landing(con, out, days)
    assert all(c.balanced for c in files), [c for c in files if not c.balanced]
    reasons = con.execute(
        " union all ".join(
            f"select '{s.name}' as source, reject_reason, count(*) as n "
            f"from staging.{s.name} where reject_reason is not null group by all"
            for s in landing.SOURCES.values()
        )
    ).fetchall()
    assert sum(c.rows_quarantined for c in files) == 0, reasons
    assert reasons == []
    for source in ("customers", "friendships", "snapshots", "transactions"):
        accepted = con.execute(f"select count(*) from core.{source}").fetchone()[0]
        assert accepted == counts[source], source
