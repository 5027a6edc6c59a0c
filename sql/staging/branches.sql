-- staging.branches: every line of reference/branches, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (partition by typed.branch_id order by typed.line_no) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when copy_no > 1 then 'duplicate branch_id: ' || branch_id
    end) as reject_reason
from checked
