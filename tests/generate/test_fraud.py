"""The planted fraud and credit patterns (wealthgraph/generate/fraud.py): each is in the landing
files as its truth says, at a realistic rate, and ordinary life makes look-alikes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from wealthgraph.generate import generate

END = dt.date(2026, 10, 31)
USERS = 20_000
DAYS = 12


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    out: Path = tmp_path_factory.mktemp("fraud")
    generate(out, users=USERS, days=DAYS, seed=3, end=END, history_months=1)
    con = duckdb.connect()
    con.execute(
        f"""
        create table events as select * from read_json('{out}/events/*.jsonl.gz',
            columns = {{event_id: 'varchar', ts: 'timestamp', user_id: 'varchar',
                event_type: 'varchar', target_id: 'varchar', amount: 'double',
                device_id: 'varchar', city: 'varchar'}});
        create table fraud as select * from read_json('{out}/_truth/fraud_events.jsonl.gz');
        create table mules as select * from read_json('{out}/_truth/mules.jsonl.gz');
        create table overdue as select * from read_json('{out}/_truth/overdue.jsonl.gz');
        create table snapshots as select * from read_json('{out}/snapshots/*.jsonl.gz',
            columns = {{as_of: 'date', customer_id: 'varchar', status: 'varchar'}});
        create table communities as
            select * from read_json('{out}/_truth/communities.jsonl.gz');
        """
    )
    return con


def one(con, sql: str):
    return con.execute(sql).fetchone()


def test_truth_is_in_the_landing_files_at_a_realistic_rate(db):
    # every planted event is a landed event of the same customer and type
    missing = one(
        db,
        """select count(*) from fraud f left join events e using (event_id)
           where e.event_id is null or e.user_id <> f.user_id or e.event_type <> f.event_type""",
    )[0]
    assert missing == 0
    patterns = {p for (p,) in db.execute("select distinct pattern from fraud").fetchall()}
    assert patterns == {"account_takeover", "scam", "mule"}
    payments, planted = one(
        db,
        """select count(*), count(f.event_id) from events e left join fraud f using (event_id)
           where e.event_type in ('transfer', 'red_packet', 'aa_bill')""",
    )
    assert 0 < planted / payments < 0.01


def test_a_takeover_comes_from_a_device_new_to_the_victim_and_pays_within_the_hour(db):
    logins, fresh, paid_soon = one(
        db,
        """
        with takeovers as (
            select f.event_id, e.user_id, e.device_id, e.ts from fraud f join events e
            using (event_id) where f.pattern = 'account_takeover' and e.event_type = 'login'
        )
        select
            count(*),
            count(*) filter (where not exists (
                select 1 from events b where b.user_id = t.user_id
                    and b.device_id = t.device_id and b.ts < t.ts)),
            count(*) filter (where exists (
                select 1 from fraud f join events p using (event_id)
                where f.pattern = 'account_takeover' and p.event_type <> 'login'
                    and p.user_id = t.user_id and p.device_id = t.device_id
                    and p.ts between t.ts and t.ts + interval 1 hour))
        from takeovers t
        """,
    )
    assert logins > 0
    assert fresh == logins
    assert paid_soon == logins


def test_a_mule_passes_money_on_within_hours_and_collects_from_several_senders(db):
    outs, follows = one(
        db,
        """
        select count(*), count(*) filter (where exists (
            select 1 from fraud fi join events i using (event_id)
            where fi.pattern <> 'mule' and i.target_id = o.user_id
                and i.ts between o.ts - interval 6 hours and o.ts and i.amount >= o.amount))
        from fraud f join events o using (event_id) where f.pattern = 'mule'
        """,
    )
    assert outs > 0 and follows == outs
    senders = one(
        db,
        """select max(n) from (select e.target_id, count(distinct e.user_id) as n
           from fraud f join events e using (event_id)
           where e.target_id in (select customer_id from mules) and f.pattern <> 'mule'
           group by all)""",
    )[0]
    assert senders >= 3


def test_a_scam_payment_follows_a_new_friendship_with_the_payee(db):
    scams, befriended = one(
        db,
        """
        select count(*), count(*) filter (where exists (
            select 1 from events a where a.event_type = 'friend_add'
                and a.user_id = p.target_id and a.target_id = p.user_id and a.ts < p.ts))
        from fraud f join events p using (event_id) where f.pattern = 'scam'
        """,
    )
    assert scams > 0 and befriended == scams


def test_ordinary_life_makes_look_alikes(db):
    # new phones: customers on a device new to them that is no thief's
    new_devices = one(
        db,
        """
        with firsts as (
            select user_id, device_id, min(ts) as first
            from events where device_id is not null group by all
        ),
        users as (select user_id, min(first) as user_first from firsts group by all)
        select count(*) from firsts join users using (user_id)
        where first > user_first + interval 1 day
            and device_id not in (select e.device_id from fraud f join events e using (event_id))
        """,
    )[0]
    assert new_devices > 0
    # family tablets: devices several customers use, with no fraud on them
    shared = one(
        db,
        """
        select count(*) from (
            select device_id from events group by all having count(distinct user_id) >= 2
        )
        where device_id not in (select e.device_id from fraud f join events e using (event_id))
        """,
    )[0]
    assert shared > 0


def test_arrears_cluster_in_circles_and_some_start_inside_the_window(db):
    start = END - dt.timedelta(days=DAYS - 1)
    late = one(db, f"select count(*) from overdue where overdue_from >= '{start}'")[0]
    assert late > 0
    # nobody planted is overdue before their planted day
    early = one(
        db,
        """select count(*) from overdue o join snapshots s using (customer_id)
           where s.as_of < o.overdue_from and s.status = 'overdue'""",
    )[0]
    assert early == 0
    # circles where arrears run high hold most of the planted arrears and few customers
    arrears_share, customer_share = one(
        db,
        """
        with rates as (
            select c.community_id, count(o.customer_id) as late, count(*) as members
            from communities c left join overdue o using (customer_id) group by all
        )
        select
            sum(late) filter (where late >= 0.05 * members) / sum(late),
            sum(members) filter (where late >= 0.05 * members) / sum(members)
        from rates
        """,
    )
    assert arrears_share > 0.9
    assert customer_share < 0.15
