-- recommend.topics: per customer, finance topics to follow, best first, with reasons: what close
-- friends read and share (weighted by tie strength), what their circle reads, and their own
-- reading; never a topic they already follow through an official account.
with affinity as (
    select customer_id, topic, reads, share
    from features.topic_affinity
    where as_of = $as_of::date
),

social as (
    -- tie-weighted mean of the contacts' topic shares: 1.0 when every contact reads only it
    select
        t.customer_id,
        a.topic,
        sum(t.weight * a.share) / any_value(s.total_weight) as social_share,
        count(*) filter (where t.weight >= $close_tie_strength and a.reads > 0) as close_readers
    from graph.ties t
    join affinity a on a.customer_id = t.other_id
    join (select customer_id, sum(weight) as total_weight from graph.ties group by all) s
        on s.customer_id = t.customer_id
    group by all
),

circle as (
    -- the circle's mean share of the topic, leaving the customer out
    select
        m.node_id as customer_id,
        t.topic,
        (t.share_sum - coalesce(a.share, 0)) / nullif(t.size - 1, 0) as circle_share
    from graph.node_metrics m
    join (
        select n.community_id, a.topic, sum(a.share) as share_sum, any_value(c.size) as size
        from graph.node_metrics n
        join affinity a on a.customer_id = n.node_id
        join (select community_id, count(*) as size from graph.node_metrics group by all) c
            using (community_id)
        group by all
    ) t using (community_id)
    left join affinity a on a.customer_id = m.node_id and a.topic = t.topic
),

follows as (
    select user_id as customer_id, target_id as account_id, arg_max(event_type, ts) as last_event
    from core.events
    where event_type in ('follow_account', 'unfollow_account') and ts < $as_of::date + 1
    group by all
),

followed as (
    select distinct f.customer_id, a.topic
    from follows f
    join (
        select official_account_id as account_id, mode(topic) as topic
        from core.articles
        group by all
    ) a using (account_id)
    where f.last_event = 'follow_account'
),

candidates as (
    select
        customer_id,
        topic,
        coalesce(s.social_share, 0) as social_share,
        coalesce(s.close_readers, 0) as close_readers,
        coalesce(c.circle_share, 0) as circle_share,
        coalesce(a.reads, 0) as own_reads,
        coalesce(s.social_share, 0) + 0.5 * coalesce(c.circle_share, 0)
            + 0.3 * coalesce(a.share, 0) as score
    from social s
    full join circle c using (customer_id, topic)
    full join affinity a using (customer_id, topic)
),

scored as (
    select candidates.*
    from candidates
    semi join features.customers c
        on c.customer_id = candidates.customer_id and c.as_of = $as_of::date
    anti join followed f
        on f.customer_id = candidates.customer_id and f.topic = candidates.topic
)

select
    customer_id,
    row_number() over (partition by customer_id order by score desc, topic) as rank,
    topic as item_id,
    score,
    list_filter([
        case when close_readers > 0 then format(
            '{} close friend{} read about {}',
            close_readers, case when close_readers = 1 then '' else 's' end,
            replace(topic, '_', ' ')
        ) end,
        case when circle_share >= 0.1 then 'popular in your circle' end,
        case when own_reads > 0 then format(
            'you read {} article{} on it', own_reads, case when own_reads = 1 then '' else 's' end
        ) end,
        case when close_readers = 0 and circle_share < 0.1 and own_reads = 0
            then 'read by people you talk to' end
    ], r -> r is not null) as reasons,
    'topic-social-affinity-v1' as model_version,
    $as_of::date as as_of
from scored
where score > 0
qualify rank <= $top_n_topic
