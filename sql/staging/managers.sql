-- staging.managers: every line of reference/managers, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (partition by typed.manager_id order by typed.line_no) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when branch_id not in (select branch_id from core.branches)
            then 'unknown branch_id: ' || branch_id
        when capacity < 0 then 'impossible capacity: ' || capacity
        when copy_no > 1 then 'duplicate manager_id: ' || manager_id
    end) as reject_reason
from checked
