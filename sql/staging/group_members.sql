-- staging.group_members: the rules a line of reference/group_members must pass, in order
-- (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction order).
{unknown group_id}
{unknown customer_id}
