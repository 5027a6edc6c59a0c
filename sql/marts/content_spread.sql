-- marts.content_spread: per article or product page, day and chain root (branch and manager),
-- how the item spread up to $as_of: reads (views for products), readers, shares, customers it
-- newly reached, how many of them through a friend's share and how deep, and the purchases it
-- converted (features.content_conversions, counted on the day of the crediting touch).
-- Every row is credited to the root of the share chain that first brought each reader, so
-- summing rows over roots gives an item's day; readers are distinct only within a row.
with activity as (
    select
        case when events.event_type like 'article%' then 'article' else 'product' end
            as item_kind,
        events.target_id as item_id,
        events.user_id as customer_id,
        events.ts::date as day,
        events.event_type in ('article_read', 'product_view') as is_read,
        events.event_type in ('article_share', 'product_share') as is_share
    from core.events as events
    where events.event_type in ('article_read', 'article_share', 'product_view', 'product_share')
        and events.target_id is not null
        and events.ts < $as_of::date + 1
),

reading as (
    select
        activity.item_kind,
        activity.item_id,
        activity.day,
        chain.root_branch_id,
        chain.root_manager_id,
        count(*) filter (where activity.is_read) as reads,
        count(distinct activity.customer_id) filter (where activity.is_read) as readers,
        count(*) filter (where activity.is_share) as shares,
        count(distinct activity.customer_id) filter (where activity.is_share) as sharers
    from activity
    join features.content_touches as chain using (item_kind, item_id, customer_id)
    group by all
),

reach as (
    select
        item_kind,
        item_id,
        first_touched_at::date as day,
        root_branch_id,
        root_manager_id,
        count(*) as new_reach,
        count(*) filter (where depth > 0) as reach_through_friends,
        count(distinct root_id) as chains,
        max(depth) as max_depth
    from features.content_touches
    group by all
),

converted as (
    select
        item_kind,
        item_id,
        touched_at::date as day,
        root_branch_id,
        root_manager_id,
        count(*) as conversions,
        sum(amount) as conversion_amount
    from features.content_conversions
    group by all
),

keys as (
    select item_kind, item_id, day, root_branch_id, root_manager_id from reading
    union
    select item_kind, item_id, day, root_branch_id, root_manager_id from reach
    union
    select item_kind, item_id, day, root_branch_id, root_manager_id from converted
),

final as (
    select
        keys.item_kind,
        keys.item_id,
        keys.day,
        keys.root_branch_id as branch_id,
        keys.root_manager_id as manager_id,
        coalesce(reading.reads, 0) as reads,
        coalesce(reading.readers, 0) as readers,
        coalesce(reading.shares, 0) as shares,
        coalesce(reading.sharers, 0) as sharers,
        coalesce(reach.new_reach, 0) as new_reach,
        coalesce(reach.reach_through_friends, 0) as reach_through_friends,
        coalesce(reach.chains, 0) as chains,
        coalesce(reach.max_depth, 0) as max_depth,
        coalesce(converted.conversions, 0) as conversions,
        coalesce(converted.conversion_amount, 0) as conversion_amount,
        $as_of::date as as_of
    -- a root customer may have no manager: null keys must still match
    from keys
    left join reading
        on reading.item_kind = keys.item_kind
        and reading.item_id = keys.item_id
        and reading.day = keys.day
        and reading.root_branch_id is not distinct from keys.root_branch_id
        and reading.root_manager_id is not distinct from keys.root_manager_id
    left join reach
        on reach.item_kind = keys.item_kind
        and reach.item_id = keys.item_id
        and reach.day = keys.day
        and reach.root_branch_id is not distinct from keys.root_branch_id
        and reach.root_manager_id is not distinct from keys.root_manager_id
    left join converted
        on converted.item_kind = keys.item_kind
        and converted.item_id = keys.item_id
        and converted.day = keys.day
        and converted.root_branch_id is not distinct from keys.root_branch_id
        and converted.root_manager_id is not distinct from keys.root_manager_id
)

select * from final
