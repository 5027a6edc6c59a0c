-- graph.communities: one row per community (a circle found by Leiden in graph.node_metrics):
-- size, members' AUM, and the topics and product classes that dominate it.
with members as (
    select node_id as customer_id, community_id
    from graph.node_metrics
),

aum as (
    select customer_id, sum(balance) filter (where not is_liability) as aum
    from features.holdings
    where as_of = $as_of::date
    group by all
),

topics as (
    select members.community_id, topic_affinity.topic, sum(topic_affinity.score) as score
    from members
    join features.topic_affinity using (customer_id)
    where topic_affinity.as_of = $as_of::date
    group by all
),

classes as (
    -- current accounts and debts say nothing about taste: count investment holders only
    select members.community_id, holdings.product_class, count(distinct customer_id) as holders
    from members
    join features.holdings as holdings using (customer_id)
    where holdings.as_of = $as_of::date
        and not holdings.is_liability
        and holdings.product_class <> 'current'
    group by all
),

sized as (
    select
        members.community_id,
        count(*) as members,
        coalesce(sum(aum.aum), 0) as members_aum,
        coalesce(median(aum.aum), 0) as median_member_aum
    from members
    left join aum using (customer_id)
    group by all
),

final as (
    select
        sized.*,
        (
            select list(topic order by score desc, topic)[1:3]
            from topics where topics.community_id = sized.community_id
        ) as dominant_topics,
        (
            select list(product_class order by holders desc, product_class)[1:3]
            from classes where classes.community_id = sized.community_id
        ) as dominant_product_classes,
        $as_of::date as as_of
    from sized
)

select * from final
order by community_id
