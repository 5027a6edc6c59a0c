-- staging.group_members: every line of reference/group_members, typed, with the first reason
-- it is rejected (null = accepted).
with repeated as (
    -- memberships seen more than once: only their lines need numbering
    select
        group_id,
        customer_id
    from typed
    group by all
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by group_id, customer_id order by line_no) as copy_no
    from typed
    semi join repeated using (group_id, customer_id)
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
        when group_id not in (select group_id from core.groups)
            then 'unknown group_id: ' || group_id
        when customer_id not in (select customer_id from core.customers)
            then 'unknown customer_id: ' || customer_id
        when copy_no > 1 then 'duplicate membership: ' || group_id || '/' || customer_id
    end) as reject_reason
from checked
