-- staging.friendships: every line of reference/friendships, typed, with the first reason it
-- is rejected (null = accepted). A friendship is undirected: (a, b) and (b, a) are one pair.
with checked as (
    select
        typed.*,
        row_number() over (
            partition by least(typed.customer_id, typed.friend_id),
                greatest(typed.customer_id, typed.friend_id)
            order by typed.line_no
        ) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when customer_id = friend_id then 'friend_id is the customer'
        when customer_id not in (select customer_id from core.customers)
            then 'unknown customer_id: ' || customer_id
        when friend_id not in (select customer_id from core.customers)
            then 'unknown friend_id: ' || friend_id
        when copy_no > 1 then 'duplicate friendship: ' || customer_id || '/' || friend_id
    end) as reject_reason
from checked
