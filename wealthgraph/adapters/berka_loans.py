"""PKDD'99 Berka loans: the default label and what the bank knew about each loan on its date.

One row per loan (682, one per account). ``bad`` is the loan's final (1998) status: A (finished,
repaid) and C (running, paying) are good; B (finished, unpaid) and D (running, in debt) bad.

"Known at the loan date", file by file:
- loan, account, client: amount, duration and payments, the account's age and statement
  frequency, the owner's age and gender are taken at the loan date.
- card.asc is dated (``issued``): only cards issued before the loan date count.
- disp.asc is undated: the number of disponents is the one at the end of the data.
- order.asc is undated: a standing order may have been set up after the loan. Every loan
  account has exactly one UVER order, the loan's own monthly payment (its amount is the loan's
  payments to within 0.30 CZK); it exists because of the loan, so it is left out everywhere.
- district.asc holds 1995 and 1996 statistics (unemployment, crimes): a regional look-ahead
  for loans granted before them.
- trans: only rows dated strictly before the loan date. The shared sample covers one window
  (1993-01-01 to 1994-03-30), so only loans dated by the day after the window's last day have
  their whole history in it (``transaction_subset``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from wealthgraph.adapters.berka import (
    _int,
    _read,
    _trans_file,
    birth_date,
    category,
    check_source,
    gender,
    yymmdd,
)

BAD_STATUSES = ("B", "D")
LOAN_PAYMENT = "UVER"  # k_symbol of the loan's own payment order
FREQUENCIES = {
    "POPLATEK MESICNE": "monthly",
    "POPLATEK TYDNE": "weekly",
    "POPLATEK PO OBRATU": "after_transaction",
}
CARD_RANK = {"junior": 1, "classic": 2, "gold": 3}  # the best card wins when there are several
ORDER_KINDS = {"SIPO": "household", "POJISTNE": "insurance", "LEASING": "leasing"}
DISTRICT_COLUMNS = {
    "A4": "inhabitants",
    "A5": "munis_under_500",
    "A6": "munis_500_2k",
    "A7": "munis_2k_10k",
    "A8": "munis_over_10k",
    "A9": "cities",
    "A10": "urban_ratio",
    "A11": "avg_salary",
    "A12": "unemployment_95",
    "A13": "unemployment_96",
    "A14": "entrepreneurs_per_1000",
    "A15": "crimes_95",
    "A16": "crimes_96",
}
# categorical columns of landed_features (the rest of every feature frame is numeric)
CATEGORICAL = ("frequency", "district", "card")


@dataclass(frozen=True)
class Berka:
    """The Berka files typed; ``trans`` is whatever transaction file the folder holds."""

    loans: pl.DataFrame
    accounts: pl.DataFrame
    clients: pl.DataFrame
    disp: pl.DataFrame
    cards: pl.DataFrame
    orders: pl.DataFrame
    districts: pl.DataFrame
    trans: pl.DataFrame


def read(src: Path) -> Berka:
    """Read and type the Berka folder ``src``; FileNotFoundError (one line) if it is not one."""
    src = Path(src)
    check_source(src)
    if not (src / "order.asc").is_file():
        raise FileNotFoundError(f"{src} has no order.asc: pass the PKDD'99 Berka folder")
    return Berka(
        loans=loans(_read(src / "loan.asc")),
        accounts=_read(src / "account.asc").select(
            _int("account_id").alias("account"),
            _int("district_id"),
            pl.col("frequency").replace_strict(FREQUENCIES),
            yymmdd("date").alias("opened_at"),
        ),
        clients=_read(src / "client.asc").select(
            _int("client_id"), birth_date().alias("birth_date"), gender().alias("gender")
        ),
        disp=_read(src / "disp.asc").select(
            _int("disp_id"), _int("client_id"), _int("account_id").alias("account"), "type"
        ),
        cards=_read(src / "card.asc").select(
            _int("disp_id"), "type", yymmdd("issued").alias("issued")
        ),
        orders=_read(src / "order.asc").select(
            _int("account_id").alias("account"),
            pl.format("{}:{}", "bank_to", "account_to").alias("counterparty"),
            pl.col("amount").cast(pl.Float64),
            "k_symbol",
        ),
        districts=_read(src / "district.asc"),
        trans=transactions(_read(_trans_file(src))),
    )


def loans(raw: pl.DataFrame) -> pl.DataFrame:
    """loan.asc typed, with the label ``bad`` (status B or D)."""
    return raw.select(
        _int("loan_id"),
        _int("account_id").alias("account"),
        yymmdd("date").alias("loan_date"),
        pl.col("amount").cast(pl.Float64),
        _int("duration"),
        pl.col("payments").cast(pl.Float64),
        "status",
        pl.col("status").is_in(BAD_STATUSES).alias("bad"),
    ).sort("loan_id")


def transactions(raw: pl.DataFrame) -> pl.DataFrame:
    """trans rows typed; ``counterparty`` is ``bank:account`` of the other side, when known."""
    return raw.select(
        _int("account_id").alias("account"),
        yymmdd("date").alias("day"),
        (pl.col("type") == "PRIJEM").alias("credit"),
        pl.col("amount").cast(pl.Float64),
        pl.col("balance").cast(pl.Float64),
        "k_symbol",
        category().alias("category"),
        # account "0" without a bank is a placeholder for "no counterparty", not an account
        pl.when(pl.col("bank").is_not_null())
        .then(pl.format("{}:{}", "bank", "account"))
        .alias("counterparty"),
    )


def landed_features(data: Berka) -> pl.DataFrame:
    """Per loan: the loan's terms, its account, its owner and cards as of the loan date."""
    owners = (
        data.disp.filter(pl.col("type") == "OWNER")
        .join(data.clients, on="client_id")
        .select("account", "birth_date", "gender")
    )
    disponents = (
        data.disp.filter(pl.col("type") == "DISPONENT")
        .group_by("account")
        .agg(pl.len().cast(pl.Int64).alias("n_disponents"))
    )
    # a card of the owner or of a disponent, issued strictly before the loan date
    cards = (
        data.cards.join(data.disp.select("disp_id", "account"), on="disp_id")
        .join(data.loans.select("loan_id", "account", "loan_date"), on="account")
        .filter(pl.col("issued") < pl.col("loan_date"))
        .group_by("loan_id")
        .agg(pl.col("type").replace_strict(CARD_RANK).max().alias("card_rank"))
    )
    card_names = {rank: name for name, rank in CARD_RANK.items()}
    return (
        data.loans.join(data.accounts, on="account", how="left")
        .join(owners, on="account", how="left")
        .join(disponents, on="account", how="left")
        .join(cards, on="loan_id", how="left")
        .select(
            "loan_id",
            "amount",
            "duration",
            "payments",
            (pl.col("loan_date") - pl.col("opened_at")).dt.total_days().alias("account_age_days"),
            ((pl.col("loan_date") - pl.col("birth_date")).dt.total_days() / 365.25).alias(
                "client_age"
            ),
            (pl.col("gender") == "F").cast(pl.Int64).alias("client_female"),
            pl.col("n_disponents").fill_null(0),
            "frequency",
            pl.col("district_id").cast(pl.String).alias("district"),
            pl.col("card_rank")
            .replace_strict(card_names, default="none", return_dtype=pl.String)
            .alias("card"),
        )
        .sort("loan_id")
    )


def order_features(data: Berka) -> pl.DataFrame:
    """Per loan: the account's standing orders except the loan's own payment (undated)."""
    kind = (
        pl.col("k_symbol")
        .replace_strict(ORDER_KINDS, default="other", return_dtype=pl.String)
        .alias("kind")
    )
    orders = data.orders.filter(pl.col("k_symbol").fill_null("") != LOAN_PAYMENT).with_columns(kind)
    kinds = [*ORDER_KINDS.values(), "other"]
    per_account = orders.group_by("account").agg(
        pl.len().cast(pl.Int64).alias("orders_n"),
        pl.col("amount").sum().alias("orders_amount"),
        *(
            pl.col("amount").filter(pl.col("kind") == k).sum().alias(f"orders_{k}_amount")
            for k in kinds
        ),
    )
    columns = [c for c in per_account.columns if c != "account"]
    return (
        data.loans.select("loan_id", "account", "payments")
        .join(per_account, on="account", how="left")
        .with_columns(pl.col(columns).fill_null(0))
        # what is already committed each month, against the new loan's payment
        .with_columns((pl.col("orders_amount") / pl.col("payments")).alias("orders_to_payment"))
        .drop("account", "payments")
        .sort("loan_id")
    )


def district_features(data: Berka) -> pl.DataFrame:
    """Per loan: the demographics of the account's district (its branch); crimes per 1,000."""
    districts = data.districts.select(
        pl.col("A1").cast(pl.Int64).alias("district_id"),
        # district 69 has "?" for A12 and A15: missing, not zero
        *(
            pl.col(a).cast(pl.Float64, strict=False).alias(f"district_{name}")
            for a, name in DISTRICT_COLUMNS.items()
        ),
    ).with_columns(
        (pl.col(f"district_crimes_{y}") / pl.col("district_inhabitants") * 1000).alias(
            f"district_crime_rate_{y}"
        )
        for y in ("95", "96")
    )
    return (
        data.loans.select("loan_id", "account")
        .join(data.accounts.select("account", "district_id"), on="account", how="left")
        .join(districts, on="district_id", how="left")
        .drop("account", "district_id")
        .sort("loan_id")
    )


def history_window(trans: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """First and last day of the transaction file."""
    return trans["day"].min(), trans["day"].max()


def transaction_subset(loans: pl.DataFrame, trans: pl.DataFrame) -> pl.DataFrame:
    """The loans whose whole history before the loan date is in ``trans``: dated at most one
    day after the file's last day (the window holds every transaction up to then), with at
    least one transaction of the account before the loan date. Later loans are out even when
    the window has some of their account's history: it would stop months before the loan."""
    _, last = history_window(trans)
    seen = trans.select("account", "day")
    return (
        loans.filter(pl.col("loan_date") <= last + dt.timedelta(days=1))
        .join(seen, on="account")
        .filter(pl.col("day") < pl.col("loan_date"))
        .select(loans.columns)
        .unique("loan_id")
        .sort("loan_id")
    )


def transaction_features(loans: pl.DataFrame, trans: pl.DataFrame) -> pl.DataFrame:
    """Per loan with history: the account's transactions strictly before the loan date.

    Balances are the balance after each transaction (unweighted by time); monthly volumes are
    totals over the days from the first transaction to the loan date."""
    debit = ~pl.col("credit")
    history = (
        trans.join(loans.select("loan_id", "account", "loan_date", "payments"), on="account")
        .filter(pl.col("day") < pl.col("loan_date"))
        .group_by("loan_id")
        .agg(
            pl.len().cast(pl.Int64).alias("trans_n"),
            (pl.col("loan_date").first() - pl.col("day").min())
            .dt.total_days()
            .alias("trans_history_days"),
            pl.col("balance").min().alias("trans_balance_min"),
            pl.col("balance").mean().alias("trans_balance_mean"),
            pl.col("balance").std().fill_null(0.0).alias("trans_balance_std"),
            (pl.col("balance") < 0).sum().cast(pl.Int64).alias("trans_negative_n"),
            pl.col("amount").filter(pl.col("credit")).sum().alias("credit_total"),
            pl.col("amount").filter(debit).sum().alias("debit_total"),
            pl.col("amount")
            .filter(debit & (pl.col("category") == "cash"))
            .sum()
            .alias("cash_out_total"),
            (pl.col("k_symbol") == "SANKC. UROK").sum().cast(pl.Int64).alias("trans_sanctions_n"),
            (pl.col("category") == "pension").any().cast(pl.Int64).alias("trans_pension"),
            (pl.col("category") == "salary").any().cast(pl.Int64).alias("trans_salary"),
            # the dated counterpart of a household (SIPO) standing order
            (pl.col("category") == "household").any().cast(pl.Int64).alias("trans_household"),
            pl.col("payments").first(),
        )
    )
    months = pl.max_horizontal(pl.col("trans_history_days"), 1) / 30.4375
    return (
        history.with_columns(
            (pl.col("credit_total") / months).alias("trans_credit_monthly"),
            (pl.col("debit_total") / months).alias("trans_debit_monthly"),
            (pl.col("cash_out_total") / pl.max_horizontal(pl.col("debit_total"), 1.0)).alias(
                "trans_cash_out_share"
            ),
        )
        .with_columns(
            (pl.col("payments") / pl.max_horizontal(pl.col("trans_credit_monthly"), 1.0)).alias(
                "trans_payment_to_credit"
            ),
            (pl.col("trans_balance_min") / pl.col("payments")).alias(
                "trans_balance_min_to_payment"
            ),
        )
        .drop("credit_total", "debit_total", "cash_out_total", "payments")
        .sort("loan_id")
    )


def counterparty_links(data: Berka) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The payment graph around each loan: ``(features, loan_edges)``.

    Nodes are this bank's accounts and the outside accounts they pay or are paid by (standing
    orders, undated and without UVER; and transactions, dated, before the loan date on both
    sides). No transfer in Berka reaches another account of this bank, so two accounts are
    linked only through a shared outside counterparty. ``features`` per loan: the account's
    distinct counterparties, its neighbour accounts and the neighbours' loans granted before
    the loan date. ``loan_edges`` (``loan_id``, ``neighbour_loan_id``) are those loan pairs,
    for label features that must be computed out of fold.
    """
    undated = data.orders.filter(pl.col("k_symbol").fill_null("") != LOAN_PAYMENT).select(
        "account", "counterparty", pl.lit(None, pl.Date).alias("day")
    )
    dated = data.trans.filter(pl.col("counterparty").is_not_null()).select(
        "account", "counterparty", "day"
    )
    links = pl.concat([undated, dated])

    def known(day: str) -> pl.Expr:
        return pl.col(day).is_null() | (pl.col(day) < pl.col("loan_date"))

    mine = (
        data.loans.select("loan_id", "account", "loan_date")
        .join(links, on="account")
        .filter(known("day"))
    )
    neighbours = (
        mine.join(links.rename({"account": "neighbour", "day": "neighbour_day"}), on="counterparty")
        .filter(pl.col("neighbour") != pl.col("account"), known("neighbour_day"))
        .select("loan_id", "loan_date", "neighbour")
        .unique()
    )
    loan_edges = (
        neighbours.join(
            data.loans.select(
                pl.col("account").alias("neighbour"),
                pl.col("loan_id").alias("neighbour_loan_id"),
                pl.col("loan_date").alias("neighbour_loan_date"),
            ),
            on="neighbour",
        )
        .filter(pl.col("neighbour_loan_date") < pl.col("loan_date"))
        .select("loan_id", "neighbour_loan_id")
        .sort("loan_id", "neighbour_loan_id")
    )
    features = (
        data.loans.select("loan_id")
        .join(
            mine.group_by("loan_id").agg(
                pl.col("counterparty").n_unique().cast(pl.Int64).alias("graph_counterparties")
            ),
            on="loan_id",
            how="left",
        )
        .join(
            neighbours.group_by("loan_id").agg(pl.len().cast(pl.Int64).alias("graph_neighbours")),
            on="loan_id",
            how="left",
        )
        .join(
            loan_edges.group_by("loan_id").agg(
                pl.len().cast(pl.Int64).alias("graph_neighbour_loans")
            ),
            on="loan_id",
            how="left",
        )
        .fill_null(0)
        .sort("loan_id")
    )
    return features, loan_edges
