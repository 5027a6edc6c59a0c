-- marts.wealth_history: per customer and month, net worth, assets and liabilities at the
-- month's last snapshot on or before $as_of. Every month from the customer's first snapshot
-- on: a month where they hold nothing shows zeros, so charts have no gaps. Kept per month: a
-- run writes the months from its first day's ($first_day) on, so a daily run writes one month,
-- and a closed month stays as written until a run re-lands one of its days.
with month_ends as (
    select date_trunc('month', as_of)::date as month, max(as_of) as snapshot_date
    from core.snapshots
    where as_of <= $as_of::date
    group by all
),

balances as (
    select
        snapshots.customer_id,
        snapshots.as_of as snapshot_date,
        coalesce(sum(snapshots.balance) filter (
            where products.product_class not in (
                select value from core.enums where domain = 'liability_class'
            )
        ), 0) as assets,
        coalesce(sum(snapshots.balance) filter (
            where products.product_class in (
                select value from core.enums where domain = 'liability_class'
            )
        ), 0) as liabilities
    from core.snapshots as snapshots
    join core.products as products using (product_id)
    where snapshots.as_of in (select snapshot_date from month_ends)
        and snapshots.status <> 'closed'
    group by all
),

first_month as (
    select customer_id, min(month_ends.month) as first_month
    from balances
    join month_ends using (snapshot_date)
    group by all
),

final as (
    select
        first_month.customer_id,
        month_ends.month,
        month_ends.snapshot_date,
        coalesce(balances.assets, 0) as assets,
        coalesce(balances.liabilities, 0) as liabilities,
        coalesce(balances.assets, 0) - coalesce(balances.liabilities, 0) as net_worth
    from first_month
    join month_ends on month_ends.month >= first_month.first_month
        and month_ends.month >= date_trunc('month', $first_day::date)
    left join balances
        on balances.customer_id = first_month.customer_id
        and balances.snapshot_date = month_ends.snapshot_date
)

select * from final
