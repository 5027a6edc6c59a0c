-- staging.group_members: every line of reference/group_members, typed, with the first reason
-- it is rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when group_id not in (select group_id from core.groups)
                then 'unknown group_id: ' || group_id
            when customer_id not in (select customer_id from core.customers)
                then 'unknown customer_id: ' || customer_id
        end) as reason
    from typed
),

winners as (
    -- memberships with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        group_id,
        customer_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by all
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner
            then 'superseded: ' || group_id || '/' || customer_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (group_id, customer_id)
