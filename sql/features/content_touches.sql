-- features.content_touches: per article or product page and customer, how the customer first
-- reached it up to $as_of and the share chain behind that: the friend whose share brought them
-- (parent), the chain's root, the depth (0 = found it themself) and the root's attribution.
-- A touch is a read or view, a share, or (products) a manager's recommendation. A "via" counts
-- only if that friend had reached the item strictly earlier, which orders every chain in time
-- and so rules out loops; anything else is a touch of their own (depth 0).
-- The root is credited to the manager whose recommendation started the chain, else to the
-- root customer's own manager, and to the root customer's branch.
with recursive touches as (
    select
        case when event_type like 'article%' then 'article' else 'product' end as item_kind,
        target_id as item_id,
        user_id as customer_id,
        ts,
        event_id,
        via_user_id,
        case when event_type = 'manager_recommend' then manager_id end as recommended_by
    from core.events
    where event_type in (
        'article_read', 'article_share', 'product_view', 'product_share', 'manager_recommend'
    )
        and target_id is not null
        and ts < $as_of::date + 1
),

first_touch as (
    select *
    from touches
    qualify row_number() over (
        partition by item_kind, item_id, customer_id order by ts, event_id
    ) = 1
),

linked as (
    select
        child.*,
        parent.customer_id as parent_id
    from first_touch as child
    left join first_touch as parent
        on parent.item_kind = child.item_kind
        and parent.item_id = child.item_id
        and parent.customer_id = child.via_user_id
        and (parent.ts, parent.event_id) < (child.ts, child.event_id)
),

chains as (
    select
        item_kind,
        item_id,
        customer_id,
        ts,
        parent_id,
        customer_id as root_id,
        recommended_by as root_recommended_by,
        0 as depth
    from linked
    where parent_id is null
    union all
    select
        linked.item_kind,
        linked.item_id,
        linked.customer_id,
        linked.ts,
        linked.parent_id,
        chains.root_id,
        chains.root_recommended_by,
        chains.depth + 1
    from linked
    join chains
        on chains.item_kind = linked.item_kind
        and chains.item_id = linked.item_id
        and chains.customer_id = linked.parent_id
    where chains.depth < $max_cascade_depth
),

final as (
    select
        chains.item_kind,
        chains.item_id,
        chains.customer_id,
        chains.ts as first_touched_at,
        chains.parent_id,
        chains.root_id,
        chains.depth,
        coalesce(chains.root_recommended_by, roots.manager_id) as root_manager_id,
        roots.branch_id as root_branch_id,
        $as_of::date as as_of
    from chains
    left join features.customers as roots
        on roots.customer_id = chains.root_id and roots.as_of = $as_of::date
)

select * from final
