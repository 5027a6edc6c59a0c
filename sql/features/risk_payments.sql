-- features.risk_payments: every transfer, red packet and AA bill of the run's days with what the
-- bank knew about the sender, the payee, the account and the device at the payment's time.
-- Point in time: a feature reads only rows strictly before the payment (by time, or by day for
-- the daily figures), so scoring a payment as it happens would see the same values.
-- Kept per day: a run writes only its days ($first_day .. $last_day; a daily run, one day).
with payments as (
    select
        event_id,
        ts,
        user_id as customer_id,
        target_id as payee_id,
        event_type,
        amount,
        device_id,
        city,
        partition_date
    from core.events
    where partition_date between $first_day and $last_day
        and event_type in ('transfer', 'red_packet', 'aa_bill')
),

-- what the lookback sees: the run's days and $risk_lookback_days before them
recent as (
    select event_id, user_id, target_id, event_type, ts, amount, device_id, city, partition_date
    from core.events
    where partition_date between $first_day - to_days($risk_lookback_days::int) and $last_day
),

-- the first time each customer used each device and each city: a minimum over every row is
-- the minimum over the rows up to any later moment, so it never reads the future
device_first as (
    select user_id as customer_id, device_id, min(ts) as first_seen
    from recent
    where device_id is not null
    group by all
),

city_first as (
    select user_id as customer_id, city, min(ts) as first_seen
    from recent
    where city is not null
    group by all
),

-- the first message, payment or friend change between two customers, either way
pair_first as (
    select least(user_id, target_id) as a, greatest(user_id, target_id) as b, min(ts) as first_seen
    from recent
    where event_type in (
        'message_friend', 'friend_add', 'friend_remove', 'transfer', 'red_packet', 'aa_bill'
    )
    group by all
),

friend_pairs as (
    select least(customer_id, friend_id) as a, greatest(customer_id, friend_id) as b, since
    from core.friendships
),

-- money in and out of each customer, for the velocity and pass-through windows
flows as (
    select
        m.user_id as customer_id,
        m.event_id,
        m.ts,
        m.amount as amount_out,
        null::decimal(18, 2) as amount_in,
        false as new_sender
    from recent m
    where m.event_type in ('transfer', 'red_packet', 'aa_bill')
    union all
    select
        m.target_id,
        null,
        m.ts,
        null,
        m.amount,
        -- from someone they first dealt with in the week before it and are not old friends with
        pf.first_seen > m.ts - interval 7 days and fp.a is null
    from recent m
    join pair_first pf
        on pf.a = least(m.user_id, m.target_id) and pf.b = greatest(m.user_id, m.target_id)
    left join friend_pairs fp on fp.a = pf.a and fp.b = pf.b and fp.since < m.partition_date
    where m.event_type in ('transfer', 'red_packet', 'aa_bill')
        and m.partition_date >= $first_day - 1
),

windows as (
    select
        event_id,
        count(amount_out) over hour as out_count_1h,
        coalesce(sum(amount_out) over hour, 0) as out_amount_1h,
        count(amount_out) over day as out_count_24h,
        coalesce(sum(amount_out) over day, 0) as out_amount_24h,
        coalesce(sum(amount_in) over day, 0) as in_amount_24h,
        count(amount_in) filter (where new_sender) over day as new_senders_24h,
        coalesce(sum(amount_in) filter (where new_sender) over day, 0) as in_new_amount_24h,
        max(amount_out) over lookback as max_amount_before,
        avg(amount_out) over lookback as avg_amount_before
    from flows
    window
        -- strictly before: rows at the very same moment are left out too
        hour as (partition by customer_id order by ts
            range between interval 1 hour preceding and current row exclude group),
        day as (partition by customer_id order by ts
            range between interval 24 hours preceding and current row exclude group),
        lookback as (partition by customer_id order by ts
            range between unbounded preceding and current row exclude group)
),

prior_to_payee as (
    select
        p.event_id,
        count(m.ts) as payee_prior_payments,
        coalesce(sum(m.amount), 0) as payee_prior_amount
    from payments p
    left join recent m
        on m.user_id = p.customer_id and m.target_id = p.payee_id and m.ts < p.ts
        and m.event_type in ('transfer', 'red_packet', 'aa_bill')
    group by all
),

-- tie strength at the end of the day before, as graph.edges weighs it: each message, transfer,
-- red packet and AA bill between the two, halved every $half_life_days days (read from events,
-- not graph.*, which is built later from the same evidence)
tie as (
    select
        p.event_id,
        ln(1 + sum(
            case m.event_type
                when 'message_friend' then $message_weight
                when 'transfer' then $transfer_weight
                when 'red_packet' then $red_packet_weight
                when 'aa_bill' then $aa_bill_weight
                else 0
            end * pow(0.5, date_diff('second', m.ts, p.partition_date::timestamp) / 86400
                / $half_life_days)
        )) as evidence
    from payments p
    join recent m
        on least(m.user_id, m.target_id) = least(p.customer_id, p.payee_id)
        and greatest(m.user_id, m.target_id) = greatest(p.customer_id, p.payee_id)
        and m.partition_date < p.partition_date
    group by all
),

friends as (
    select distinct p.event_id
    from payments p
    join friend_pairs f
        on f.a = least(p.customer_id, p.payee_id) and f.b = greatest(p.customer_id, p.payee_id)
        and f.since < p.partition_date
),

device_users as (
    select p.event_id, count(*) as device_customers
    from payments p
    join device_first d on d.device_id = p.device_id and d.first_seen < p.ts
    group by all
),

-- liquid money at the end of the day before (current accounts and demand deposits)
liquid as (
    select s.customer_id, s.as_of + 1 as partition_date, sum(s.balance) as liquid_balance
    from core.snapshots s
    join core.products pr using (product_id)
    where s.as_of between $first_day - 1 and $last_day - 1
        and pr.product_class = 'current'
    group by all
),

habits as (
    select
        p.event_id,
        sum(a.night_events) / nullif(sum(a.events), 0) as night_share_30d,
        count(a.activity_date) as active_days_30d
    from payments p
    left join features.user_daily_activity a
        on a.customer_id = p.customer_id
        and a.activity_date between p.partition_date - 30 and p.partition_date - 1
    group by all
)

select
    p.event_id,
    p.ts,
    p.customer_id,
    p.payee_id,
    p.event_type,
    p.amount,
    p.device_id,
    -- the customer
    date_diff('day', c.registered_at, p.partition_date) as tenure_days,
    hour(p.ts) < 6 as is_night,
    coalesce(h.night_share_30d, 0) as night_share_30d,
    h.active_days_30d,
    -- the device and the city
    -- first seen within the hour: the device (or city) of this very session
    case when p.device_id is not null then
        df.first_seen is null or df.first_seen >= p.ts - interval 1 hour
    end as is_new_device,
    coalesce(du.device_customers, 0) as device_customers,
    case when p.city is not null then
        c.city <> p.city and (cf.first_seen is null or cf.first_seen >= p.ts - interval 1 hour)
    end as is_new_city,
    -- the payee
    pf.first_seen >= p.ts and fr.event_id is null as is_first_contact,
    date_diff('hour', least(pf.first_seen, p.ts), p.ts) as contact_age_hours,
    fr.event_id is not null as is_friend,
    coalesce(t.evidence, 0) + case when fr.event_id is not null then $friend_weight else 0 end
        as tie_strength,
    pp.payee_prior_payments,
    pp.payee_prior_amount,
    -- the account
    s.out_count_1h,
    s.out_amount_1h,
    s.out_count_24h,
    s.out_amount_24h,
    s.in_amount_24h,
    s.new_senders_24h,
    s.in_new_amount_24h,
    s.max_amount_before,
    s.avg_amount_before,
    l.liquid_balance,
    least((s.out_amount_24h + p.amount) / nullif(l.liquid_balance + s.in_amount_24h, 0), 10)
        as drain_share,
    least(p.amount / nullif(s.in_new_amount_24h, 0), 10) as passthrough_share,
    p.partition_date
from payments p
join core.customers c using (customer_id)
left join windows s using (event_id)
left join device_first df on df.customer_id = p.customer_id and df.device_id = p.device_id
    and df.first_seen < p.ts
left join device_users du using (event_id)
left join city_first cf
    on cf.customer_id = p.customer_id and cf.city = p.city and cf.first_seen < p.ts
left join pair_first pf
    on pf.a = least(p.customer_id, p.payee_id) and pf.b = greatest(p.customer_id, p.payee_id)
left join friends fr using (event_id)
left join tie t using (event_id)
left join prior_to_payee pp using (event_id)
left join liquid l on l.customer_id = p.customer_id and l.partition_date = p.partition_date
left join habits h using (event_id)
