-- staging.friendships: every line of reference/friendships, typed, with the first reason it
-- is rejected (null = accepted). A friendship is undirected: (a, b) and (b, a) are one pair.
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        least(customer_id, friend_id) as low_id,
        greatest(customer_id, friend_id) as high_id,
        coalesce(problem, case
            when customer_id = friend_id then 'friend_id is the customer'
            when customer_id not in (select customer_id from core.customers)
                then 'unknown customer_id: ' || customer_id
            when friend_id not in (select customer_id from core.customers)
                then 'unknown friend_id: ' || friend_id
        end) as reason
    from typed
),

winners as (
    -- pairs with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        low_id,
        high_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by all
    having count(*) > 1
)

select
    checked.* exclude (reason, low_id, high_id),
    coalesce(reason, case
        when line_no <> winner
            then 'superseded: ' || customer_id || '/' || friend_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (low_id, high_id)
