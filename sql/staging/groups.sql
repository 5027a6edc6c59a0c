-- staging.groups: the rules a line of reference/groups must pass, in order, as WHEN clauses
-- (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction order).
when kind not in (select value from core.enums where domain = 'group_kind')
    then 'unknown kind: ' || kind
{unknown owner_manager_id}
