-- marts.recommendations: what the app shows each customer, per kind, best first, with the
-- reasons in words. Kinds so far: friend (people you may know, graph.people_you_may_know).
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
)

select
    *,
    $as_of::date as as_of,
    current_timestamp as generated_at
from friends
