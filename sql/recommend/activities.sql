-- recommend.activities: per customer, industry and interest groups to join (where managers run
-- salons and events), best first, with reasons: close friends who are members, a topic the
-- customer reads, their industry; only groups run from the customer's own branch, so offers
-- stay local and candidates stay few at a million customers.
with customers as (
    select customer_id, branch_id, industry
    from features.customers
    where as_of = $as_of::date
),

groups as (
    select g.group_id, g.kind, g.topic, m.branch_id
    from core.groups g
    join core.managers m on m.manager_id = g.owner_manager_id
    where g.kind in ('industry', 'interest')
),

members as (
    select customer_id, group_id from graph.memberships
),

friends_in as (
    select
        t.customer_id,
        m.group_id,
        sum(t.weight) as tie_sum,
        count(*) filter (where t.weight >= $close_tie_strength) as close_members
    from graph.ties t
    join members m on m.customer_id = t.other_id
    join groups g using (group_id)
    join customers c on c.customer_id = t.customer_id and c.branch_id = g.branch_id
    group by all
),

topic_match as (
    select c.customer_id, g.group_id, a.reads
    from customers c
    join features.topic_affinity a on a.customer_id = c.customer_id and a.as_of = $as_of::date
    join groups g on g.kind = 'interest' and g.topic = a.topic and g.branch_id = c.branch_id
),

industry_match as (
    select c.customer_id, g.group_id, c.industry
    from customers c
    join groups g on g.kind = 'industry' and g.topic = c.industry and g.branch_id = c.branch_id
),

activity as (
    select target_id as group_id, count(*) as messages_30d
    from core.events
    where event_type = 'message_group' and ts < $as_of::date + 1 and ts >= $as_of::date - 29
    group by all
),

candidates as (
    select
        customer_id,
        group_id,
        coalesce(f.close_members, 0) as close_members,
        t.reads as topic_reads,
        i.industry,
        coalesce(f.tie_sum, 0) as tie_sum
    from friends_in f
    full join topic_match t using (customer_id, group_id)
    full join industry_match i using (customer_id, group_id)
),

scored as (
    select
        c.*,
        g.topic,
        coalesce(a.messages_30d, 0) as messages_30d,
        ln(1 + c.tie_sum) + least(coalesce(c.topic_reads, 0), 5) / 5
            + case when c.industry is not null then 0.5 else 0 end
            + 0.1 * ln(1 + coalesce(a.messages_30d, 0)) as score
    from candidates c
    join groups g using (group_id)
    left join activity a using (group_id)
    semi join customers using (customer_id)
    anti join members m on m.customer_id = c.customer_id and m.group_id = c.group_id
)

select
    customer_id,
    row_number() over (partition by customer_id order by score desc, group_id) as rank,
    group_id as item_id,
    score,
    list_filter([
        case
            when close_members = 1 then '1 close friend is a member'
            when close_members > 1 then format('{} close friends are members', close_members)
            when tie_sum > 0 then 'people you talk to are members'
        end,
        case when topic_reads > 0 then format(
            'about {}, which you read about', replace(topic, '_', ' ')
        ) end,
        case when industry is not null then format(
            'for people in {}', replace(industry, '_', ' ')
        ) end,
        case when messages_30d > 0 then format(
            'active: {} message{} in the last 30 days',
            messages_30d, case when messages_30d = 1 then '' else 's' end
        ) end
    ], r -> r is not null) as reasons,
    'activity-social-groups-v1' as model_version,
    $as_of::date as as_of
from scored
qualify rank <= $top_n_activity
