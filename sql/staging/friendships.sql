-- staging.friendships: every line of reference/friendships, typed, with the first reason it
-- is rejected (null = accepted). A friendship is undirected: (a, b) and (b, a) are one pair.
with pairs as (
    select
        row_id,
        line_no,
        least(customer_id, friend_id) as low_id,
        greatest(customer_id, friend_id) as high_id
    from typed
),

repeated as (
    -- pairs seen more than once: only their lines need numbering
    select
        low_id,
        high_id
    from pairs
    group by all
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by low_id, high_id order by line_no) as copy_no
    from pairs
    semi join repeated using (low_id, high_id)
),

checked as (
    select
        typed.*,
        coalesce(copies.copy_no, 1) as copy_no
    from typed
    left join copies using (row_id)
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
