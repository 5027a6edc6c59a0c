-- features.content_conversions: purchases credited to an article or product page up to $as_of.
-- A purchase of product P converts P's page and every article linked to P that the buyer
-- touched (read, viewed, shared, or was recommended by a manager) in the content_window_days
-- before it; the latest such touch takes the credit. The share chain comes from
-- features.content_touches, so a conversion is credited to the root of the chain that first
-- brought the buyer to the item.
with touches as (
    select
        case when event_type like 'article%' then 'article' else 'product' end as item_kind,
        target_id as item_id,
        user_id as customer_id,
        ts
    from core.events
    where event_type in (
        'article_read', 'article_share', 'product_view', 'product_share', 'manager_recommend'
    )
        and target_id is not null
        and ts < $as_of::date + 1
),

purchases as (
    select event_id as purchase_id, user_id as customer_id, target_id as product_id, ts, amount
    from core.events
    where event_type = 'product_buy' and ts < $as_of::date + 1
),

items as (
    select 'product' as item_kind, product_id as item_id, product_id from core.products
    union all
    select 'article', article_id, product_id from core.articles where product_id is not null
),

credited as (
    select
        touches.item_kind,
        touches.item_id,
        purchases.customer_id,
        purchases.purchase_id,
        max(touches.ts) as touched_at,
        any_value(purchases.ts) as purchased_at,
        any_value(purchases.amount) as amount
    from purchases
    join items using (product_id)
    join touches
        on touches.item_kind = items.item_kind
        and touches.item_id = items.item_id
        and touches.customer_id = purchases.customer_id
        and touches.ts <= purchases.ts
        and purchases.ts < touches.ts + to_days($content_window_days::integer)
    group by all
),

final as (
    select
        credited.*,
        chain.root_id,
        chain.depth,
        chain.root_manager_id,
        chain.root_branch_id,
        $as_of::date as as_of
    from credited
    join features.content_touches as chain using (item_kind, item_id, customer_id)
)

select * from final
