-- marts.social_map: per customer and as-of date, their social map (社交图谱): top contacts with
-- relation and tie strength, circles (community, groups), influence, and their behaviour over
-- the 30 days to $as_of with the change against the 30 days before. Ids only, no personal data.
with directed as (
    select src_id as customer_id, dst_id as contact_id, * exclude (src_id, dst_id)
    from graph.edges
    union all
    select dst_id as customer_id, src_id as contact_id, * exclude (src_id, dst_id)
    from graph.edges
    where edge_kind = 'customer'
),

contacts as (
    select
        customer_id,
        count(*) filter (where relation = 'friend') as friends,
        count(*) filter (where edge_kind = 'customer') as customer_contacts
    from directed
    group by customer_id
),

strongest as (
    -- rank first, then gather only the top ones: an ordered list() over every edge kept each
    -- customer's whole list and ran out of memory at a million customers
    select
        customer_id,
        row_number() over (
            partition by customer_id order by tie_strength desc, contact_id
        ) as contact_rank,
        {
            'contact_id': contact_id,
            'kind': edge_kind,
            'relation': relation,
            'tie_strength': round(tie_strength, 3),
            'messages': messages_src_to_dst + messages_dst_to_src,
            'money_transfers': transfer_count + red_packet_count + aa_bill_count,
            'shared_groups': shared_groups
        } as contact
    from directed
    qualify contact_rank <= $top_contacts
),

top_contacts as (
    select
        customer_id,
        list_transform(
            list_sort(list({'contact_rank': contact_rank, 'contact': contact})),
            lambda ranked: ranked.contact
        ) as top_contacts
    from strongest
    group by customer_id
),

circles as (
    select
        memberships.customer_id,
        -- list_sort instead of an ordered list(): the same order (group_id leads the struct,
        -- and is unique), without an ordered aggregate per customer, which is slow by the million
        list_sort(list({'group_id': groups.group_id, 'kind': groups.kind, 'topic': groups.topic}))
            as groups
    from graph.memberships as memberships
    join core.groups as groups using (group_id)
    group by all
),

period_events as (
    select user_id as customer_id, event_type, target_id, category, amount
    from core.events
    where ts < $as_of::date + 1 and ts >= $as_of::date - 29
        and event_type in ('article_read', 'scenario_payment')
),

reading as (
    select
        customer_id,
        list_transform(
            list_sort(list({'key': (-reads, topic), 'item': {'topic': topic, 'reads': reads}})),
            lambda sorted: sorted.item
        ) as articles_read_by_topic
    from (
        select customer_id, articles.topic, count(*) as reads
        from period_events
        join core.articles as articles on articles.article_id = period_events.target_id
        where event_type = 'article_read'
        group by all
    )
    group by all
),

paying as (
    select
        customer_id,
        list_transform(
            list_sort(list({
                'key': (-amount, category),
                'item': {'category': category, 'payments': payments, 'amount': amount}
            })),
            lambda sorted: sorted.item
        ) as scenario_payments_by_category
    from (
        select customer_id, category, count(*) as payments, sum(amount) as amount
        from period_events
        where event_type = 'scenario_payment'
        group by all
    )
    group by all
),

people as (
    select customer_id
    from features.customers
    where as_of = $as_of::date
),

influence as (
    -- ranked among every customer where the whole graph is (graph.node_metrics), so a shard
    -- reads the bank-wide figure; a customer with no tie ranks lowest
    select
        people.customer_id,
        coalesce(metrics.influence_percentile, 1.0) as influence_percentile
    from people
    left join graph.node_metrics as metrics on metrics.node_id = people.customer_id
),

final as (
    select
        people.customer_id,
        $as_of::date as as_of,
        coalesce(contacts.friends, 0) as friends,
        coalesce(contacts.customer_contacts, 0) as customer_contacts,
        coalesce(top_contacts.top_contacts, []) as top_contacts,
        metrics.community_id,
        communities.members as community_size,
        communities.dominant_topics as community_topics,
        coalesce(circles.groups, []) as groups,
        metrics.pagerank,
        metrics.pagerank_rank as influence_rank,
        influence.influence_percentile,
        metrics.degree,
        metrics.weighted_degree,
        metrics.clustering,
        coalesce(behaviour.active_days, 0) as active_days,
        coalesce(behaviour.active_days_change, 0) as active_days_change,
        coalesce(behaviour.messages, 0) as messages,
        coalesce(behaviour.messages_change, 0) as messages_change,
        coalesce(behaviour.transfers, 0) as transfers,
        coalesce(behaviour.transfers_change, 0) as transfers_change,
        coalesce(behaviour.transfer_amount, 0) as transfer_amount,
        coalesce(behaviour.transfer_amount_change, 0) as transfer_amount_change,
        coalesce(behaviour.articles_read, 0) as articles_read,
        coalesce(behaviour.articles_read_change, 0) as articles_read_change,
        coalesce(reading.articles_read_by_topic, []) as articles_read_by_topic,
        coalesce(behaviour.scenario_payments, 0) as scenario_payments,
        coalesce(behaviour.scenario_payments_change, 0) as scenario_payments_change,
        coalesce(paying.scenario_payments_by_category, []) as scenario_payments_by_category,
        {
            'app': coalesce(behaviour.app_events, 0),
            'web': coalesce(behaviour.web_events, 0),
            'mini_program': coalesce(behaviour.mini_program_events, 0)
        } as channels,
        {
            'morning': coalesce(behaviour.morning_events, 0),
            'afternoon': coalesce(behaviour.afternoon_events, 0),
            'evening': coalesce(behaviour.evening_events, 0),
            'night': coalesce(behaviour.night_events, 0)
        } as hours
    from people
    left join contacts on contacts.customer_id = people.customer_id
    left join top_contacts on top_contacts.customer_id = people.customer_id
    left join influence on influence.customer_id = people.customer_id
    left join circles on circles.customer_id = people.customer_id
    left join graph.node_metrics as metrics on metrics.node_id = people.customer_id
    left join graph.communities as communities
        on communities.community_id = metrics.community_id
    left join features.behaviour as behaviour
        on behaviour.customer_id = people.customer_id and behaviour.as_of = $as_of::date
    left join reading on reading.customer_id = people.customer_id
    left join paying on paying.customer_id = people.customer_id
)

select * from final
