-- features.topic_affinity: per customer and article topic, how much they engaged with it over
-- the 90 days up to $as_of (read 1, like 2, comment 2, share 3: sharing puts one's name on it)
-- and that topic's share of all their engagement.
with engagement as (
    select
        events.user_id as customer_id,
        articles.topic,
        count(*) filter (where events.event_type = 'article_read') as reads,
        sum(case events.event_type
            when 'article_read' then 1
            when 'article_share' then 3
            else 2
        end) as score
    from core.events as events
    join core.articles as articles on articles.article_id = events.target_id
    where events.event_type in ('article_read', 'article_like', 'article_share', 'article_comment')
        and events.ts < $as_of::date + 1
        and events.ts >= $as_of::date - 89
    group by all
)

select
    customer_id,
    topic,
    reads,
    score,
    score / sum(score) over (partition by customer_id) as share,
    $as_of::date as as_of
from engagement
