-- quality.content_spread_violations: rows behind marts.content_spread that break a rule (check
-- name and an example each), restated from core and the row-level feature tables so that a bug in
-- the mart cannot also hide itself here.
with customers as (
    select count(*) as customers from core.customers
),

violations as (
    select
        'conversions_after_their_read' as check_name,
        item_id || '/' || customer_id || '/' || purchase_id as example
    from features.content_conversions
    where purchased_at < touched_at
        or purchased_at >= touched_at + to_days($content_window_days::integer)

    union all
    select 'chains_run_forward_in_time', child.item_id || '/' || child.customer_id
    from features.content_touches as child
    join features.content_touches as parent
        on parent.item_kind = child.item_kind
        and parent.item_id = child.item_id
        and parent.customer_id = child.parent_id
    where parent.first_touched_at > child.first_touched_at
        or child.depth <> parent.depth + 1
        or child.root_id <> parent.root_id

    union all
    select 'cascade_reach_within_customers', item_kind || '/' || item_id
    from marts.content_spread, customers
    group by item_kind, item_id, customers.customers
    having sum(new_reach) > customers.customers
        or sum(reach_through_friends) > sum(new_reach)
)

select check_name, example from violations
