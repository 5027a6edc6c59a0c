-- staging.groups: every line of reference/groups, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when kind not in (select value from core.enums where domain = 'group_kind')
                then 'unknown kind: ' || kind
            when owner_manager_id not in (select manager_id from core.managers)
                then 'unknown owner_manager_id: ' || owner_manager_id
        end) as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        group_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by group_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || group_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (group_id)
