-- staging.branches: every line of reference/branches, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        problem as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        branch_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by branch_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || branch_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (branch_id)
