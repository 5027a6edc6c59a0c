-- staging.managers: every line of reference/managers, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when branch_id not in (select branch_id from core.branches)
                then 'unknown branch_id: ' || branch_id
            when capacity < 0 then 'impossible capacity: ' || capacity
        end) as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        manager_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by manager_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || manager_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (manager_id)
