-- staging.groups: every line of reference/groups, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (partition by typed.group_id order by typed.line_no) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when kind not in (select value from core.enums where domain = 'group_kind')
            then 'unknown kind: ' || kind
        when owner_manager_id not in (select manager_id from core.managers)
            then 'unknown owner_manager_id: ' || owner_manager_id
        when copy_no > 1 then 'duplicate group_id: ' || group_id
    end) as reject_reason
from checked
