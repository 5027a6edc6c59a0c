-- staging.group_members: every line of reference/group_members, typed, with the first reason
-- it is rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (
            partition by typed.group_id, typed.customer_id order by typed.line_no
        ) as copy_no
    from typed
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
