-- staging.managers: the rules a line of reference/managers must pass, in order, as WHEN
-- clauses (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction order).
{unknown branch_id}
when capacity < 0 then 'impossible capacity: ' || capacity
