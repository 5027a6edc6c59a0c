-- marts.scenario_payments: per month and payment scenario (utilities, education, medical,
-- transport, dining, shopping, government), who pays through the app and how many of those
-- payers already hold a wealth product: where scenario payments lead into wealth sales.
-- Every month with scenario payments up to $as_of gets all seven scenarios (zeros where none),
-- so charts have no gaps. Rebuilt whole.
--
-- Choices:
-- * holding is read at the month's last snapshot on or before $as_of (the month so far for the
--   current one), or the latest before it when a month has no snapshot; closed accounts are
--   not held.
-- * wealth products are the asset classes that are not deposits (core.enums domain
--   'wealth_class', defined once in wealthgraph/landing.py).
-- * cross_sell_share = users_holding_wealth_products / users (the scenario's payers).
with payments as (
    select
        date_trunc('month', partition_date)::date as month,
        category as scenario,
        user_id as customer_id,
        amount
    from core.events
    where event_type = 'scenario_payment'
        and partition_date <= $as_of::date
),

months as (
    select distinct month from payments
),

scenarios as (
    select value as scenario
    from core.enums
    where domain = 'scenario'
),

month_snapshots as (
    select months.month, max(snapshots.as_of) as snapshot_date
    from months
    join (select distinct as_of from core.snapshots) as snapshots
        on snapshots.as_of <= least(last_day(months.month), $as_of::date)
    group by all
),

wealth_classes as (
    select value as product_class from core.enums where domain = 'wealth_class'
),

wealth_holders as (
    select distinct snapshots.as_of as snapshot_date, snapshots.customer_id
    from core.snapshots as snapshots
    join core.products as products using (product_id)
    join wealth_classes using (product_class)
    where snapshots.as_of in (select snapshot_date from month_snapshots)
        and snapshots.status <> 'closed'
),

payers as (
    select
        month,
        scenario,
        customer_id,
        count(*) as payments,
        sum(amount) as amount
    from payments
    group by all
),

by_scenario as (
    select
        payers.month,
        payers.scenario,
        count(*) as users,
        sum(payers.payments) as payments,
        sum(payers.amount) as amount,
        count(wealth_holders.customer_id) as users_holding_wealth_products
    from payers
    left join month_snapshots using (month)
    left join wealth_holders using (snapshot_date, customer_id)
    group by all
),

final as (
    select
        months.month,
        scenarios.scenario,
        coalesce(by_scenario.users, 0) as users,
        coalesce(by_scenario.payments, 0)::bigint as payments,
        coalesce(by_scenario.amount, 0) as amount,
        coalesce(by_scenario.users_holding_wealth_products, 0) as users_holding_wealth_products,
        by_scenario.users_holding_wealth_products / by_scenario.users as cross_sell_share,
        $as_of::date as as_of
    from months
    cross join scenarios
    left join by_scenario using (month, scenario)
)

select * from final
