-- features.holdings: per customer and product, what they held in the latest snapshot on or
-- before $as_of (closed accounts excluded), with the product's class and risk level.
with latest as (
    select max(as_of) as snapshot_date
    from core.snapshots
    where as_of <= $as_of::date
)

select
    snapshots.customer_id,
    snapshots.product_id,
    products.product_class,
    products.risk_level,
    products.product_class in (select value from core.enums where domain = 'liability_class')
        as is_liability,
    count(*) as accounts,
    sum(snapshots.balance) as balance,
    bool_or(snapshots.status = 'overdue') as is_overdue,
    min(snapshots.maturity_date) as next_maturity_date,
    latest.snapshot_date,
    $as_of::date as as_of
from core.snapshots as snapshots
join latest on snapshots.as_of = latest.snapshot_date
join core.products as products using (product_id)
where snapshots.status <> 'closed'
group by all
