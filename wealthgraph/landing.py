"""The landing format: the one file layout the generator and every adapter write and ingest reads.

Every landing file is gzip-compressed JSON Lines (one object per line, UTF-8), so a bad line can
be named by file and line number and never takes its neighbours down with it.

    <landing>/reference/<table>.jsonl.gz          state re-read on every run (friendships and
                                                  group_members: at the window's start)
    <landing>/events/YYYY-MM-DD.jsonl.gz          interaction log of one day
    <landing>/snapshots/YYYY-MM-DD.jsonl.gz       account balances as of the end of that day
    <landing>/transactions/YYYY-MM-DD.jsonl.gz    account money movements of that day

The field lists below are the contract; ``README.md`` documents them for people.

A reference file may hold more than one line for a key: the feed re-sends the full state and
appends corrections. Among the lines that pass every other rule, one wins per key by
``CORRECTION_ORDER`` and the others are quarantined as superseded, so an invalid correction never
hides a valid line and suitability uses a customer's latest risk assessment.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

SUFFIX = ".jsonl.gz"
DATE_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl\.gz$")
DAY_STEM = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")  # a daily file's name without SUFFIX

RISK_TOLERANCES = ("C1", "C2", "C3", "C4", "C5")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
CREDIT_GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")
ASSET_CLASSES = ("current", "time_deposit", "wealth", "fund", "insurance", "precious_metal")
LIABILITY_CLASSES = ("loan", "credit_card")
PRODUCT_CLASSES = ASSET_CLASSES + LIABILITY_CLASSES
# what cross-sell counts as a wealth product: assets other than deposits
WEALTH_CLASSES = tuple(c for c in ASSET_CLASSES if c not in ("current", "time_deposit"))
GROUP_KINDS = ("family", "colleague", "industry", "interest")
ACCOUNT_STATUSES = ("active", "closed", "overdue")
CHANNELS = ("app", "web", "mini_program")
DEVICES = ("ios", "android", "web")
SCENARIOS = ("utilities", "education", "medical", "transport", "dining", "shopping", "government")
TRANSACTION_CATEGORIES = (
    "salary",
    "pension",
    "interest",
    "household",
    "insurance",
    "loan_payment",
    "card_spend",
    "cash",
    "transfer",
    "other",
)
SERVICE_DESK_ID = "95588"
GENDERS = ("F", "M")
DIRECTIONS = ("credit", "debit")
ENUMS: dict[str, tuple[str, ...]] = {
    "risk_tolerance": RISK_TOLERANCES,
    "risk_level": RISK_LEVELS,
    "credit_grade": CREDIT_GRADES,
    "product_class": PRODUCT_CLASSES,
    "liability_class": LIABILITY_CLASSES,
    "wealth_class": WEALTH_CLASSES,
    "group_kind": GROUP_KINDS,
    "account_status": ACCOUNT_STATUSES,
    "channel": CHANNELS,
    "device": DEVICES,
    "scenario": SCENARIOS,
    "transaction_category": TRANSACTION_CATEGORIES,
    "gender": GENDERS,
    "direction": DIRECTIONS,
}

# event_type -> (what target_id names, whether amount is required)
EVENT_TYPES: dict[str, tuple[str | None, bool]] = {
    # messaging: the customer is always user_id; manager replies carry the manager in target_id
    "message_friend": ("customer", False),
    "message_manager": ("manager", False),
    "message_from_manager": ("manager", False),
    "message_group": ("group", False),
    "message_service": ("service", False),
    # relationships
    "friend_add": ("customer", False),
    "friend_remove": ("customer", False),
    "group_join": ("group", False),
    "group_leave": ("group", False),
    "follow_account": ("official_account", False),
    "unfollow_account": ("official_account", False),
    # content
    "article_read": ("article", False),
    "article_like": ("article", False),
    "article_share": ("article", False),
    "article_comment": ("article", False),
    # products
    "product_view": ("product", False),
    "product_share": ("product", False),
    "product_buy": ("product", True),
    "product_redeem": ("product", True),
    "manager_recommend": ("product", False),
    # money between people and scenario payments
    "transfer": ("customer", True),
    "red_packet": ("customer", True),
    "aa_bill": ("customer", True),
    "scenario_payment": (None, True),
    # service
    "manager_rating": ("manager", False),
    "login": (None, False),
}


# ids a field refers to: (core table, column)
CUSTOMER = ("customers", "customer_id")
MANAGER = ("managers", "manager_id")
BRANCH = ("branches", "branch_id")
PRODUCT = ("products", "product_id")
GROUP = ("groups", "group_id")

# what target_id names, per target kind of EVENT_TYPES: (core table, column); the service desk
# has the one id SERVICE_DESK_ID (a rule of sql/staging/events.sql)
EVENT_TARGETS: dict[str, tuple[str, str]] = {
    "customer": CUSTOMER,
    "manager": MANAGER,
    "group": GROUP,
    "article": ("articles", "article_id"),
    "product": PRODUCT,
    "official_account": ("articles", "official_account_id"),
}


@dataclass(frozen=True)
class Source:
    """One landing source: where its files live, its fields, the key that identifies a row and
    the ids it refers to.

    ``lookups``: field -> (core table, column) that must hold the field's value when it has one
    ("unknown <field>: <id>" otherwise). ``kind_lookups``: a field whose table depends on a
    kind of the row, field -> kind -> (core table, column) (events' target_id, EVENT_TARGETS).
    ``day_field``: for a daily source, the field that must fall on the file's day.
    ``undirected``: the key is an unordered pair ((a, b) and (b, a) are one key).
    wealthgraph.ingest.rules builds the staging rules' shared steps from these.
    """

    name: str
    folder: str
    daily: bool
    key: tuple[str, ...]
    fields: dict[str, str]  # field -> DuckDB type of the typed column
    required: tuple[str, ...]
    lookups: dict[str, tuple[str, str]] = field(default_factory=dict)
    kind_lookups: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    day_field: str | None = None
    undirected: bool = False

    @property
    def lookup_tables(self) -> tuple[str, ...]:
        """The core tables this source's ids are looked up in, each once."""
        refs = [*self.lookups.values()]
        refs += [ref for kinds in self.kind_lookups.values() for ref in kinds.values()]
        return tuple(dict.fromkeys(table for table, _ in refs))


def _daily(
    name: str,
    key: str,
    fields: dict[str, str],
    required: tuple[str, ...],
    lookups: dict[str, tuple[str, str]],
    **more,
) -> Source:
    return Source(name, name, True, (key,), fields, required, lookups, day_field="ts", **more)


def _reference(
    name: str,
    key: tuple[str, ...],
    fields: dict[str, str],
    lookups: dict[str, tuple[str, str]] | None = None,
    **more,
) -> Source:
    return Source(name, "reference", False, key, fields, tuple(fields), lookups or {}, **more)


EVENTS = _daily(
    "events",
    "event_id",
    {
        "event_id": "VARCHAR",
        "ts": "TIMESTAMP",
        "user_id": "VARCHAR",
        "event_type": "VARCHAR",
        "target_id": "VARCHAR",
        "manager_id": "VARCHAR",  # manager who recommended, replied or was rated
        "via_user_id": "VARCHAR",  # who shared the article/product this read or view came from
        "amount": "DECIMAL(18,2)",
        "category": "VARCHAR",  # scenario of a scenario_payment
        "rating": "INTEGER",
        "comment": "VARCHAR",
        "channel": "VARCHAR",
        "device": "VARCHAR",
        "city": "VARCHAR",
        "device_id": "VARCHAR",  # the device's stable id (optional: older files lack it)
    },
    ("event_id", "ts", "user_id", "event_type"),
    {"user_id": CUSTOMER, "manager_id": MANAGER, "via_user_id": CUSTOMER},
    kind_lookups={"target_id": EVENT_TARGETS},
)
SNAPSHOTS = Source(
    "snapshots",
    "snapshots",
    True,
    ("as_of", "account_id"),
    {
        "as_of": "DATE",
        "customer_id": "VARCHAR",
        "account_id": "VARCHAR",
        "product_id": "VARCHAR",
        "balance": "DECIMAL(18,2)",
        "currency": "VARCHAR",
        "status": "VARCHAR",
        "opened_at": "DATE",
        "maturity_date": "DATE",
    },
    ("as_of", "customer_id", "account_id", "product_id", "balance", "currency", "status"),
    {"customer_id": CUSTOMER, "product_id": PRODUCT},
    day_field="as_of",
)

TRANSACTIONS = _daily(
    "transactions",
    "txn_id",
    {
        "txn_id": "VARCHAR",
        "ts": "TIMESTAMP",
        "customer_id": "VARCHAR",
        "account_id": "VARCHAR",
        "direction": "VARCHAR",  # credit | debit
        "amount": "DECIMAL(18,2)",  # always positive; direction says which way
        "category": "VARCHAR",
        "balance_after": "DECIMAL(18,2)",
    },
    ("txn_id", "ts", "customer_id", "account_id", "direction", "amount", "category"),
    {"customer_id": CUSTOMER},
)

BRANCHES = _reference(
    "branches", ("branch_id",), {"branch_id": "VARCHAR", "name": "VARCHAR", "city": "VARCHAR"}
)
MANAGERS = _reference(
    "managers",
    ("manager_id",),
    {
        "manager_id": "VARCHAR",
        "name": "VARCHAR",
        "branch_id": "VARCHAR",
        "hired_at": "DATE",
        "capacity": "INTEGER",
        "is_active": "BOOLEAN",
    },
    {"branch_id": BRANCH},
)
CUSTOMERS = Source(
    "customers",
    "reference",
    False,
    ("customer_id",),
    {
        "customer_id": "VARCHAR",
        "name": "VARCHAR",  # personal data: stays in raw/core customer tables
        "phone": "VARCHAR",  # personal data
        "id_number": "VARCHAR",  # personal data
        "gender": "VARCHAR",
        "birth_date": "DATE",
        "city": "VARCHAR",
        "branch_id": "VARCHAR",
        "manager_id": "VARCHAR",
        "risk_tolerance": "VARCHAR",
        "risk_assessed_at": "DATE",
        "credit_grade": "VARCHAR",
        "industry": "VARCHAR",
        "registered_at": "DATE",
    },
    # real sources may not know gender or birth date; they are typed and checked when present
    ("customer_id", "branch_id", "registered_at"),
    {"branch_id": BRANCH, "manager_id": MANAGER},
)
PRODUCTS = Source(
    "products",
    "reference",
    False,
    ("product_id",),
    {
        "product_id": "VARCHAR",
        "name": "VARCHAR",
        "product_class": "VARCHAR",
        "risk_level": "VARCHAR",  # R1–R5; null for liabilities
        "min_amount": "DECIMAL(18,2)",
        "term_days": "INTEGER",  # null: open-ended
        "expected_yield_pct": "DOUBLE",
        "on_sale_from": "DATE",
        "on_sale_to": "DATE",  # null: still on sale
        "is_top_up": "BOOLEAN",
    },
    ("product_id", "name", "product_class", "min_amount", "on_sale_from", "is_top_up"),
)
ARTICLES = Source(
    "articles",
    "reference",
    False,
    ("article_id",),
    {
        "article_id": "VARCHAR",
        "title": "VARCHAR",
        "official_account_id": "VARCHAR",
        "topic": "VARCHAR",
        "author_manager_id": "VARCHAR",
        "product_id": "VARCHAR",  # product the article promotes, if any
        "published_at": "DATE",
    },
    ("article_id", "title", "official_account_id", "topic", "published_at"),
    {"author_manager_id": MANAGER, "product_id": PRODUCT},
)
GROUPS = Source(
    "groups",
    "reference",
    False,
    ("group_id",),
    {
        "group_id": "VARCHAR",
        "name": "VARCHAR",
        "kind": "VARCHAR",
        "topic": "VARCHAR",
        "owner_manager_id": "VARCHAR",
        "created_at": "DATE",
    },
    ("group_id", "name", "kind", "created_at"),
    {"owner_manager_id": MANAGER},
)
GROUP_MEMBERS = _reference(
    "group_members",
    ("group_id", "customer_id"),
    {"group_id": "VARCHAR", "customer_id": "VARCHAR", "joined_at": "DATE"},
    {"group_id": GROUP, "customer_id": CUSTOMER},
)
FRIENDSHIPS = _reference(
    "friendships",
    ("customer_id", "friend_id"),
    {"customer_id": "VARCHAR", "friend_id": "VARCHAR", "since": "DATE"},
    {"customer_id": CUSTOMER, "friend_id": CUSTOMER},
    undirected=True,
)

REFERENCE_SOURCES = (
    BRANCHES,
    MANAGERS,
    CUSTOMERS,
    PRODUCTS,
    ARTICLES,
    GROUPS,
    GROUP_MEMBERS,
    FRIENDSHIPS,
)
DAILY_SOURCES = (EVENTS, SNAPSHOTS, TRANSACTIONS)
SOURCES = {s.name: s for s in (*REFERENCE_SOURCES, *DAILY_SOURCES)}
PERSONAL_FIELDS = ("name", "phone", "id_number")

# How a correction is recognised, per reference source: among the lines of a key that pass every
# other rule, the one with the latest value of these fields wins (a line without a value loses
# to one with), then the later line in the file. The others get the reject reason
# "superseded: <key> by line N" (N: the winning line). Applied by wealthgraph.ingest.rules.
CORRECTION_ORDER: dict[str, tuple[str, ...]] = {
    # a re-assessment wins wherever the feed puts it: suitability must use the latest one
    "customers": ("risk_assessed_at",),
    # no date says which line is newer: a re-sent file is the current state and corrections are
    # appended, so the later line wins
    **{source.name: () for source in REFERENCE_SOURCES if source.name != "customers"},
}


def source_path(landing: Path, source: Source, day: dt.date | None = None) -> Path:
    """Path of a source's file: ``reference/<name>.jsonl.gz`` or ``<name>/<day>.jsonl.gz``."""
    if source.daily:
        if day is None:
            raise ValueError(f"{source.name} is daily: give the day")
        return landing / source.folder / f"{day.isoformat()}{SUFFIX}"
    return landing / source.folder / f"{source.name}{SUFFIX}"


def file_day(stem: str) -> dt.date | None:
    """The day a daily file's name (without its suffix) gives, or None when it gives none:
    not ``YYYY-MM-DD``, or not a calendar day (``2026-02-30``)."""
    match = DAY_STEM.match(stem)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def landed_days(landing: Path, source: Source) -> list[dt.date]:
    """Days for which a daily source has a well-named file, oldest first (for tools and tests;
    what a run reads is decided by wealthgraph.ingest.files, which names every other file)."""
    folder = landing / source.folder
    if not folder.is_dir():
        return []
    days = (
        file_day(p.name.removesuffix(SUFFIX)) for p in folder.iterdir() if p.name.endswith(SUFFIX)
    )
    return sorted(d for d in days if d is not None)


def write_jsonl(path: Path, rows: pl.DataFrame | Iterable[dict]) -> int:
    """Write rows as gzip JSON Lines with ISO dates and timestamps; return the row count."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(list(rows))
    frame = frame.with_columns(
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
        pl.col(pl.Datetime).dt.to_string("%Y-%m-%dT%H:%M:%S"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the bytes identical for identical rows, so the generator is reproducible;
    # level 6 compresses ~4.6x faster than the default 9 for files ~8% larger
    with (
        path.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out,
    ):
        frame.write_ndjson(out)
    return frame.height
