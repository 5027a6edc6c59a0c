-- staging.friendships: the rules a line of reference/friendships must pass, in order, as WHEN
-- clauses. A friendship is undirected: (a, b) and (b, a) are one pair, corrected as one
-- (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction order).
when customer_id = friend_id then 'friend_id is the customer'
{unknown customer_id}
{unknown friend_id}
