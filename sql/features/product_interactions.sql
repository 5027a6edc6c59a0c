-- features.product_interactions: per customer and wealth-side product, what they did with it in
-- the 90 days up to $as_of (views, shares, purchases, redemptions, manager recommendations) and
-- whether they hold it in the latest snapshot: the evidence the product recommender learns from.
with events as (
    select
        user_id as customer_id,
        target_id as product_id,
        count(*) filter (where event_type = 'product_view') as views,
        count(*) filter (where event_type = 'product_share') as shares,
        count(*) filter (where event_type = 'product_buy') as buys,
        count(*) filter (where event_type = 'product_redeem') as redeems,
        count(*) filter (where event_type = 'manager_recommend') as manager_recommends,
        max(ts) as last_event_at
    from core.events
    where event_type in (
        'product_view', 'product_share', 'product_buy', 'product_redeem', 'manager_recommend'
    )
        and ts < $as_of::date + 1
        and ts >= $as_of::date - 89
    group by all
),

held as (
    select customer_id, product_id, balance
    from features.holdings
    where as_of = $as_of::date and not is_liability and balance > 0
)

select
    customer_id,
    product_id,
    coalesce(events.views, 0) as views,
    coalesce(events.shares, 0) as shares,
    coalesce(events.buys, 0) as buys,
    coalesce(events.redeems, 0) as redeems,
    coalesce(events.manager_recommends, 0) as manager_recommends,
    held.customer_id is not null as is_held,
    coalesce(held.balance, 0) as balance,
    events.last_event_at,
    $as_of::date as as_of
from events
full join held using (customer_id, product_id)
