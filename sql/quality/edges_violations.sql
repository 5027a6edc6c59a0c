-- quality.edges_violations: pairs of graph.edges that break a rule (check name and an example
-- each). A pair must join two known people, never one to themself, and a customer pair is
-- stored once, smaller id first, so that its evidence is never split over two rows.
select 'endpoints_known_no_self_loops' as check_name, src_id || '-' || dst_id as example
from graph.edges
where src_id = dst_id
    or src_id not in (select customer_id from core.customers)
    or (edge_kind = 'customer' and dst_id not in (select customer_id from core.customers))
    or (edge_kind = 'manager' and dst_id not in (select manager_id from core.managers))
    or (edge_kind = 'customer' and src_id > dst_id)
