-- marts.recommendations: what the app shows each customer, per kind, best first, with the
-- reasons in words. Kinds: friend (graph.people_you_may_know), product, loan, topic and
-- activity (recommend.*); each kind's producer already keeps its top N.
with friends as (
    select
        customer_id,
        'friend' as kind,
        rank,
        candidate_id as item_id,
        score,
        [reason] as reasons,
        'pymk-weighted-adamic-adar-v1' as model_version
    from graph.people_you_may_know
),

kinds as (
    select * from friends
    union all
    select customer_id, 'product', rank, item_id, score, reasons, model_version
    from recommend.products
    union all
    select customer_id, 'loan', rank, item_id, score, reasons, model_version
    from recommend.loans
    union all
    select customer_id, 'topic', rank, item_id, score, reasons, model_version
    from recommend.topics
    union all
    select customer_id, 'activity', rank, item_id, score, reasons, model_version
    from recommend.activities
)

select
    *,
    $as_of::date as as_of,
    current_timestamp as generated_at
from kinds
