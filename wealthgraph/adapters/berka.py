"""PKDD'99 Berka (a Czech bank, 1993–1998) -> landing format: districts as branches, clients as
customers, the transaction window as daily transactions, month-end balances of current
accounts (plus overdrafts, loans and cards) as snapshots, and co-holders of an account (owner +
disponent) as friendships. Berka has no app events, managers, groups or articles: those files
are written empty, and no events files are written.

Quirks handled:
- ``;``-separated files with quoted strings and CRLF: everything is read as text, typed here.
- dates are YYMMDD integers (``card.issued`` as ``YYMMDD 00:00:00``), all in the 1900s;
  birth_number is YYMMDD with month + 50 for women, years 1911–1987 (``%y`` would put 1911 in
  2011, so the century is set explicitly).
- a missing k_symbol or operation is ``""`` or ``" "``: both mean none.
- trans.type is PRIJEM (credit) or VYDAJ / VYBER (both debits); amounts are unsigned.
- trans_id does not order one day's transactions (month-end interest has ids in the millions,
  the same day's fee does not). The bank books a day's credits before its debits, so a day's
  closing balance is its lowest debit balance or, with no debit, its highest credit balance;
  in that order every sample account chains from 0 (to Berka's rounding, next point).
- consecutive balances differ from the amount by ±0.10 CZK after some interest postings
  (Berka's rounding): balances are taken as written, never recomputed from amounts.
- current accounts can be overdrawn (sanction interest, SANKC. UROK, is charged on them) but a
  snapshot balance is never negative: a negative closing balance becomes a current-account row
  of 0 plus an overdraft liability row (``P_OVERDRAFT``) holding the debt.
- loan.status is the loan's state at the end of the data (1998), not a dated history.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from wealthgraph import landing

CURRENCY = "CZK"
DATA_START = dt.date(1993, 1, 1)  # first account opening and first transaction of Berka

PRODUCTS = pl.DataFrame(
    {
        "product_id": [
            "P_CURRENT",
            "P_OVERDRAFT",
            "P_LOAN",
            "P_CARD_CLASSIC",
            "P_CARD_JUNIOR",
            "P_CARD_GOLD",
        ],
        "name": [
            "Current account",
            "Overdrawn current account",
            "Loan",
            "Classic card",
            "Junior card",
            "Gold card",
        ],
        "product_class": ["current", "loan", "loan", "credit_card", "credit_card", "credit_card"],
        "risk_level": ["R1", None, None, None, None, None],
        "min_amount": [0.0] * 6,
        "on_sale_from": [DATA_START] * 6,
        "is_top_up": [False] * 6,
    }
)

# k_symbol says what a payment is for, so it decides before the operation (how it was paid)
K_SYMBOL_CATEGORIES = {
    "UROK": "interest",
    "SANKC. UROK": "other",  # penalty interest on an overdrawn account
    "SLUZBY": "other",  # account fees
    "DUCHOD": "pension",
    "SIPO": "household",
    "POJISTNE": "insurance",
    "UVER": "loan_payment",
}
OPERATION_CATEGORIES = {
    "VKLAD": "cash",  # cash deposit
    "VYBER": "cash",  # cash withdrawal
    "VYBER KARTOU": "card_spend",
    "PREVOD NA UCET": "transfer",
    "PREVOD Z UCTU": "transfer",
}
CARD_PRODUCTS = {"classic": "P_CARD_CLASSIC", "junior": "P_CARD_JUNIOR", "gold": "P_CARD_GOLD"}


def _read(path: Path) -> pl.DataFrame:
    """A Berka file as text columns; blank values (``""``, ``" "``) become null."""
    frame = pl.read_csv(path, separator=";", quote_char='"', infer_schema_length=0)
    text = [pl.col(c).str.strip_chars() for c in frame.columns]
    return frame.select(
        pl.when(t != "").then(t).alias(c) for t, c in zip(text, frame.columns, strict=True)
    )


def _int(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int64)


def yymmdd(column: str) -> pl.Expr:
    """Berka date ``YYMMDD`` (optionally followed by a time) -> Date in the 1900s."""
    text = pl.col(column).str.slice(0, 6)
    return pl.date(
        1900 + text.str.slice(0, 2).cast(pl.Int32),
        text.str.slice(2, 2).cast(pl.Int32),
        text.str.slice(4, 2).cast(pl.Int32),
    )


def gender(column: str = "birth_number") -> pl.Expr:
    """F when the birth_number's month is over 50 (Czech convention for women), else M."""
    month = pl.col(column).str.slice(2, 2).cast(pl.Int32)
    return pl.when(month > 50).then(pl.lit("F")).otherwise(pl.lit("M"))


def birth_date(column: str = "birth_number") -> pl.Expr:
    """Date of birth from a birth_number ``YYMMDD`` (women: month + 50)."""
    text = pl.col(column)
    month = text.str.slice(2, 2).cast(pl.Int32)
    return pl.date(
        1900 + text.str.slice(0, 2).cast(pl.Int32),
        pl.when(month > 50).then(month - 50).otherwise(month),
        text.str.slice(4, 2).cast(pl.Int32),
    )


def category(
    kind: str = "type", operation: str = "operation", k_symbol: str = "k_symbol"
) -> pl.Expr:
    """Transaction category from trans.type, operation and k_symbol.

    A known k_symbol wins; then an incoming transfer without a k_symbol is salary (in the sample
    each receiving account has exactly one paying account, recurring monthly); then the
    operation; anything else is ``other``.
    """
    k = pl.col(k_symbol).str.strip_chars().fill_null("")
    op = pl.col(operation).str.strip_chars().fill_null("")
    by_symbol = k.replace_strict(K_SYMBOL_CATEGORIES, default=None, return_dtype=pl.String)
    salary = (pl.col(kind) == "PRIJEM") & (op == "PREVOD Z UCTU") & (k == "")
    return (
        pl.when(by_symbol.is_not_null())
        .then(by_symbol)
        .when(salary)
        .then(pl.lit("salary"))
        .otherwise(op.replace_strict(OPERATION_CATEGORIES, default="other", return_dtype=pl.String))
    )


def customer_id(column: str) -> pl.Expr:
    """Berka client_id -> ``C<7 digits>``."""
    return pl.format("C{}", pl.col(column).cast(pl.String).str.zfill(7))


def account_id(column: str, prefix: str = "AC") -> pl.Expr:
    """Berka account_id -> ``AC<8 digits>`` (``OD`` for the account's overdraft)."""
    return pl.format(f"{prefix}{{}}", pl.col(column).cast(pl.String).str.zfill(8))


def snapshot_days(first: dt.date, last: dt.date) -> pl.Series:
    """Month-ends from ``first``'s month up to ``last``, plus ``last`` itself when the window
    ends mid-month (its balances are exact as of that day, just not a month-end)."""
    month_ends = pl.date_range(first.replace(day=1), last, "1mo", eager=True).dt.month_end()
    days = pl.concat([month_ends.filter(month_ends <= last), pl.Series([last])])
    return days.unique().sort().alias("as_of")


# the Berka files convert() reads, besides the transactions (_trans_file)
FILES = ("account.asc", "card.asc", "client.asc", "disp.asc", "district.asc", "loan.asc")


def _trans_file(src: Path) -> Path:
    """The full ``trans.asc`` when present, else the one ``trans_sample_*.asc`` window."""
    if (src / "trans.asc").exists():
        return src / "trans.asc"
    samples = sorted(src.glob("trans_sample_*.asc"))
    if len(samples) != 1:
        raise FileNotFoundError(f"{src}: expected trans.asc or one trans_sample_*.asc")
    return samples[0]


FIX = "pass the folder with its .asc files"


def check_source(src: Path) -> None:
    """Raise FileNotFoundError, in one line, unless ``src`` holds the Berka files."""
    src = Path(src)
    if not src.is_dir():
        raise FileNotFoundError(f"no folder {src}: {FIX}")
    missing = [name for name in FILES if not (src / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{src} is not the PKDD'99 Berka folder (no {', '.join(missing)}): " + FIX
        )
    _trans_file(src)


def convert(src: Path, out: Path) -> dict[str, int]:
    """Write the landing folder ``out`` from the Berka files in ``src``; return row counts.

    Besides a count per source written, ``transactions_skipped_zero`` counts trans rows left
    out for a zero (or missing) amount, so trans rows = transactions + skipped. Raises
    FileNotFoundError (one line) before writing anything if a file is missing.
    """
    check_source(src)
    # inside the adapter ``account`` is Berka's integer id, ``account_id`` the landing id
    disp = _read(src / "disp.asc").select(
        _int("disp_id"), _int("client_id"), _int("account_id").alias("account"), "type"
    )
    accounts = _read(src / "account.asc").select(
        _int("account_id").alias("account"), yymmdd("date").alias("opened_at")
    )
    owners = disp.filter(pl.col("type") == "OWNER").select(
        "account", customer_id("client_id").alias("customer_id")
    )
    branches = _branches(_read(src / "district.asc"))
    raw = _read(_trans_file(src))
    txns = _transactions(raw, owners)
    counts = {
        "branches": landing.write_jsonl(landing.source_path(out, landing.BRANCHES), branches),
        "customers": landing.write_jsonl(
            landing.source_path(out, landing.CUSTOMERS),
            _customers(_read(src / "client.asc"), disp, accounts, branches),
        ),
        "products": landing.write_jsonl(landing.source_path(out, landing.PRODUCTS), PRODUCTS),
        "friendships": landing.write_jsonl(
            landing.source_path(out, landing.FRIENDSHIPS), _friendships(disp, accounts)
        ),
    }
    for source in (landing.MANAGERS, landing.GROUPS, landing.GROUP_MEMBERS, landing.ARTICLES):
        counts[source.name] = landing.write_jsonl(landing.source_path(out, source), [])

    days = snapshot_days(txns["day"].min(), txns["day"].max())
    snapshots = pl.concat(
        [
            _account_snapshots(txns, days, owners, accounts),
            _loan_snapshots(_read(src / "loan.asc"), days, owners),
            _card_snapshots(_read(src / "card.asc"), days, disp),
        ]
    )
    counts["snapshots"] = _write_daily(out, landing.SNAPSHOTS, snapshots, "as_of")
    # the contract wants amount > 0 (direction carries the sign); none are 0 in the sample
    counts["transactions"] = _write_daily(
        out, landing.TRANSACTIONS, txns.filter(pl.col("amount") > 0), "day"
    )
    counts["transactions_skipped_zero"] = raw.height - counts["transactions"]
    return counts


def _write_daily(out: Path, source: landing.Source, frame: pl.DataFrame, day: str) -> int:
    written = 0
    for (when,), rows in frame.sort(day).group_by(day, maintain_order=True):
        path = landing.source_path(out, source, when)
        written += landing.write_jsonl(path, rows.select(f for f in source.fields if f in rows))
    return written


def _branches(districts: pl.DataFrame) -> pl.DataFrame:
    # A3 is a region ("central Bohemia"); districts are named after their seat town, so A2
    # is both the branch's name and its city
    return districts.select(
        pl.format("B{}", pl.col("A1").str.zfill(3)).alias("branch_id"),
        pl.col("A2").alias("name"),
        pl.col("A2").alias("city"),
    ).sort("branch_id")


def _customers(
    clients: pl.DataFrame, disp: pl.DataFrame, accounts: pl.DataFrame, branches: pl.DataFrame
) -> pl.DataFrame:
    first_account = (
        disp.join(accounts, on="account")
        .group_by("client_id")
        .agg(pl.col("opened_at").min().alias("registered_at"))
    )
    return (
        clients.with_columns(
            _int("client_id"),
            pl.format("B{}", pl.col("district_id").str.zfill(3)).alias("branch_id"),
        )
        .join(first_account, on="client_id", how="left")
        .join(branches.select("branch_id", "city"), on="branch_id", how="left")
        .sort("client_id")
        .select(
            customer_id("client_id").alias("customer_id"),
            pl.lit(None, pl.String).alias("name"),  # Berka is anonymised
            pl.lit(None, pl.String).alias("phone"),
            pl.lit(None, pl.String).alias("id_number"),
            gender().alias("gender"),
            birth_date().alias("birth_date"),
            "city",
            "branch_id",
            pl.col("registered_at").fill_null(DATA_START),
        )
    )


def _friendships(disp: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Owner and disponent of one account: the bank's own social edge (since the account)."""
    owner = disp.filter(pl.col("type") == "OWNER").select("account", a="client_id")
    holder = disp.filter(pl.col("type") == "DISPONENT").select("account", b="client_id")
    return (
        owner.join(holder, on="account")
        .join(accounts, on="account")
        .select(
            pl.min_horizontal(customer_id("a"), customer_id("b")).alias("customer_id"),
            pl.max_horizontal(customer_id("a"), customer_id("b")).alias("friend_id"),
            pl.col("opened_at").alias("since"),
        )
        .group_by("customer_id", "friend_id")
        .agg(pl.col("since").min())
        .sort("customer_id", "friend_id")
    )


def _transactions(raw: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """Every trans row typed, with the account's owner; ``day`` names its file."""
    return raw.select(
        pl.format("T{}", "trans_id").alias("txn_id"),
        yymmdd("date").alias("day"),
        # Berka has dates only: noon is well inside the day the file is named after
        (yymmdd("date").cast(pl.Datetime("us")) + pl.duration(hours=12)).alias("ts"),
        _int("account_id").alias("account"),
        account_id("account_id").alias("account_id"),
        pl.when(pl.col("type") == "PRIJEM")
        .then(pl.lit("credit"))
        .otherwise(pl.lit("debit"))
        .alias("direction"),
        pl.col("amount").cast(pl.Float64).abs().fill_null(0.0).alias("amount"),
        category().alias("category"),
        pl.col("balance").cast(pl.Float64).alias("balance_after"),
    ).join(owners, on="account", how="left")


def _account_snapshots(
    txns: pl.DataFrame, days: pl.Series, owners: pl.DataFrame, accounts: pl.DataFrame
) -> pl.DataFrame:
    """Current account (and overdraft) rows: the balance after the last transaction on or
    before each snapshot day, from the account's first transaction on."""
    debit = pl.col("direction") == "debit"
    # credits are booked before debits: the day closes on its lowest debit balance, or on its
    # highest credit balance when it had no debit
    closing = (
        txns.group_by("account", "day")
        .agg(
            pl.col("balance_after")
            .filter(debit)
            .min()
            .fill_null(pl.col("balance_after").filter(~debit).max())
            .alias("closing")
        )
        .sort("day")
    )
    balances = (
        closing.group_by("account")
        .agg(pl.col("day").min().alias("first_day"))
        .join(days.to_frame(), how="cross")
        .filter(pl.col("as_of") >= pl.col("first_day"))
        .sort("as_of")
        # both sides are sorted on the date as a whole, so within every account too
        .join_asof(closing, left_on="as_of", right_on="day", by="account", check_sortedness=False)
        .join(owners, on="account", how="left")
        .join(accounts, on="account", how="left")
    )
    common = [
        "as_of",
        "customer_id",
        pl.lit(CURRENCY).alias("currency"),
        "opened_at",
        pl.lit(None, pl.Date).alias("maturity_date"),
    ]
    current = balances.select(
        *common,
        account_id("account").alias("account_id"),
        pl.lit("P_CURRENT").alias("product_id"),
        pl.col("closing").clip(lower_bound=0).alias("balance"),
        pl.lit("active").alias("status"),
    )
    # sanction interest is charged on a negative balance: debt the client is behind on
    overdraft = balances.filter(pl.col("closing") < 0).select(
        *common,
        account_id("account", prefix="OD").alias("account_id"),
        pl.lit("P_OVERDRAFT").alias("product_id"),
        (-pl.col("closing")).alias("balance"),
        pl.lit("overdue").alias("status"),
    )
    return pl.concat([current, overdraft]).select(landing.SNAPSHOTS.fields.keys())


def _loan_snapshots(loans: pl.DataFrame, days: pl.Series, owners: pl.DataFrame) -> pl.DataFrame:
    """One liability row per snapshot day while a loan runs (granted <= day < maturity).

    The outstanding principal is estimated as amount − monthly payment × months since the loan
    month (Berka's amount is exactly payments × duration). Status is the loan's final (1998)
    state: B (finished unpaid) and D (running, in debt) are overdue throughout, A and C active.
    """
    elapsed = (pl.col("as_of").dt.year() * 12 + pl.col("as_of").dt.month()) - (
        pl.col("opened_at").dt.year() * 12 + pl.col("opened_at").dt.month()
    )
    return (
        loans.select(
            "loan_id",
            _int("account_id").alias("account"),
            yymmdd("date").alias("opened_at"),
            pl.col("amount").cast(pl.Float64),
            _int("duration"),
            pl.col("payments").cast(pl.Float64),
            "status",
        )
        .with_columns(
            pl.col("opened_at").dt.offset_by(pl.format("{}mo", "duration")).alias("maturity_date")
        )
        .join(days.to_frame(), how="cross")
        # after maturity Berka says nothing dated (A: repaid; B: unpaid, amount unknown)
        .filter(pl.col("opened_at") <= pl.col("as_of"), pl.col("as_of") < pl.col("maturity_date"))
        .join(owners, on="account", how="left")
        .select(
            "as_of",
            "customer_id",
            pl.format("L{}", "loan_id").alias("account_id"),
            pl.lit("P_LOAN").alias("product_id"),
            (pl.col("amount") - pl.col("payments") * elapsed)
            .clip(lower_bound=0)
            .round(2)
            .alias("balance"),
            pl.lit(CURRENCY).alias("currency"),
            pl.when(pl.col("status").is_in(["B", "D"]))
            .then(pl.lit("overdue"))
            .otherwise(pl.lit("active"))
            .alias("status"),
            "opened_at",
            "maturity_date",
        )
    )


def _card_snapshots(cards: pl.DataFrame, days: pl.Series, disp: pl.DataFrame) -> pl.DataFrame:
    """One row per snapshot day from the card's issue on, balance 0: Berka cards draw on the
    current account (their spending is already in trans), there is no separate card debt."""
    return (
        cards.select(
            "card_id",
            _int("disp_id"),
            pl.col("type").replace_strict(CARD_PRODUCTS).alias("product_id"),
            yymmdd("issued").alias("opened_at"),
        )
        .join(disp.select("disp_id", "client_id"), on="disp_id", how="left")
        .join(days.to_frame(), how="cross")
        .filter(pl.col("opened_at") <= pl.col("as_of"))
        .select(
            "as_of",
            customer_id("client_id").alias("customer_id"),
            pl.format("CD{}", "card_id").alias("account_id"),
            "product_id",
            pl.lit(0.0).alias("balance"),
            pl.lit(CURRENCY).alias("currency"),
            pl.lit("active").alias("status"),
            "opened_at",
            pl.lit(None, pl.Date).alias("maturity_date"),
        )
    )
