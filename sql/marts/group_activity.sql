-- marts.group_activity: per group and as-of date, how alive the group is and how much its
-- members own and buy: the marketing view of industry, interest, family and colleague groups
-- (all kinds: it costs nothing, and kind is a column to filter on).
--
-- Choices:
-- * members are graph.memberships as of $as_of; the "30d" columns cover the 30 days ending
--   $as_of (as_of - 29 to as_of, as the other 30-day figures count).
-- * new_members_30d: current members who joined in those 30 days (one who joined and left is
--   not a member). active_members_30d: members with any event in them, in the group or not.
-- * messages_30d counts every message_group event to the group, members' or not (someone who
--   left still spoke there).
-- * wealth products are the asset classes that are not deposits (core.enums domain
--   'wealth_class', defined once in wealthgraph/landing.py).
--   product_uptake_share = members_with_wealth_products / members.
with memberships as (
    select customer_id, group_id, joined_at
    from graph.memberships
    where as_of = $as_of::date
),

recent_events as (
    select user_id, event_type, target_id
    from core.events
    where partition_date between $as_of::date - 29 and $as_of::date
),

customer_activity as (
    select
        user_id as customer_id,
        count(*) filter (where event_type = 'product_buy') as purchases_30d
    from recent_events
    group by all
),

messages as (
    select target_id as group_id, count(*) as messages_30d
    from recent_events
    where event_type = 'message_group'
    group by all
),

wealth_classes as (
    select value as product_class from core.enums where domain = 'wealth_class'
),

wealth_holders as (
    select distinct holdings.customer_id
    from features.holdings as holdings
    join wealth_classes using (product_class)
    where holdings.as_of = $as_of::date
),

wealth as (
    select customer_id, total_assets
    from marts.wealth_summary
    where as_of = $as_of::date
),

member_figures as (
    select
        memberships.group_id,
        count(*) as members,
        count(*) filter (
            where memberships.joined_at between $as_of::date - 29 and $as_of::date
        ) as new_members_30d,
        count(customer_activity.customer_id) as active_members_30d,
        coalesce(sum(wealth.total_assets), 0) as members_aum,
        count(wealth_holders.customer_id) as members_with_wealth_products,
        coalesce(sum(customer_activity.purchases_30d), 0)::bigint as member_purchases_30d
    from memberships
    left join customer_activity using (customer_id)
    left join wealth using (customer_id)
    left join wealth_holders using (customer_id)
    group by all
),

final as (
    select
        groups.group_id,
        groups.kind,
        groups.topic,
        groups.owner_manager_id,
        coalesce(member_figures.members, 0) as members,
        coalesce(member_figures.new_members_30d, 0) as new_members_30d,
        coalesce(member_figures.active_members_30d, 0) as active_members_30d,
        coalesce(messages.messages_30d, 0) as messages_30d,
        coalesce(member_figures.members_aum, 0) as members_aum,
        coalesce(member_figures.members_with_wealth_products, 0)
            as members_with_wealth_products,
        member_figures.members_with_wealth_products / member_figures.members
            as product_uptake_share,
        coalesce(member_figures.member_purchases_30d, 0) as member_purchases_30d,
        $as_of::date as as_of
    from core.groups as groups
    left join member_figures using (group_id)
    left join messages using (group_id)
    where groups.created_at <= $as_of::date
)

select * from final
