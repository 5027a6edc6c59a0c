-- marts.alerts: the alerts sent to a customer's phone, one row each: a single movement of at
-- least $alert_amount, a day's outflow beyond $alert_outflow_share of the current-account money
-- the day began with, and a login from a device the customer had not used before.
-- Kept per day: a run writes only its days ($first_day .. $last_day; a daily run, one day).
with large_movements as (
    select
        customer_id,
        ts as alert_at,
        'balance_change' as alert_type,
        'large_movement' as rule_id,
        txn_id as source_id,
        amount::double as value,
        $alert_amount::double as threshold,
        format(
            '¥{:,.2f} {} your account {}',
            amount, if(direction = 'credit', 'came into', 'left'), account_id
        ) as message,
        partition_date as alert_date
    from core.transactions
    where partition_date between $first_day and $last_day
        and amount >= $alert_amount
),

day_outflows as (
    select
        t.customer_id,
        t.partition_date,
        max(t.ts) as last_debit_at,
        sum(t.amount) as debits
    from core.transactions t
    where t.partition_date between $first_day and $last_day
        and t.direction = 'debit'
    group by all
),

opening as (
    -- current-account money at the end of the day before
    select s.customer_id, s.as_of + 1 as partition_date, sum(s.balance) as balance
    from core.snapshots s
    join core.products p using (product_id)
    where s.as_of between $first_day - 1 and $last_day - 1
        and p.product_class = 'current'
    group by all
),

drained as (
    select
        o.customer_id,
        o.last_debit_at as alert_at,
        'balance_change' as alert_type,
        'day_outflow' as rule_id,
        o.customer_id || ':' || o.partition_date as source_id,
        (o.debits / b.balance)::double as value,
        $alert_outflow_share::double as threshold,
        format(
            '¥{:,.2f} left your accounts today, {}% of what you held this morning',
            o.debits, round(100 * o.debits / b.balance)::int
        ) as message,
        o.partition_date as alert_date
    from day_outflows o
    join opening b using (customer_id, partition_date)
    where b.balance > 0
        and o.debits >= $alert_outflow_share * b.balance
        and o.debits >= $alert_outflow_min_amount
),

-- the first time each customer used each device, and the customer's first event of all, in
-- the lookback: a minimum over every row is the minimum up to any later moment
device_first as (
    select user_id, device_id, min(ts) as first_seen
    from core.events
    where partition_date between $first_day - to_days($risk_lookback_days::int) and $last_day
        and device_id is not null
    group by all
),

customer_first as (
    select user_id, min(first_seen) as first_seen from device_first group by all
),

new_devices as (
    select
        e.user_id as customer_id,
        e.ts as alert_at,
        'login' as alert_type,
        'new_device_login' as rule_id,
        e.event_id as source_id,
        null::double as value,
        null::double as threshold,
        format(
            'New sign-in to your account from {} {} device{}',
            if(e.device in ('ios', 'android'), 'an', 'a'),
            coalesce(e.device, 'unknown'),
            coalesce(' in ' || e.city, '')
        ) as message,
        e.partition_date as alert_date
    from core.events e
    join device_first d on d.user_id = e.user_id and d.device_id = e.device_id
        and d.first_seen = e.ts
    -- a customer's very first device in the lookback is theirs, not new
    join customer_first c on c.user_id = e.user_id and c.first_seen < e.ts
    where e.partition_date between $first_day and $last_day
        and e.event_type = 'login'
)

select * from large_movements
union all
select * from drained
union all
select * from new_devices
