-- Customer-to-customer ties, each pair once: friends' holdings score a product and close
-- friends holding it are a reason.
select src_id, dst_id, tie_strength as weight
from graph.edges
where edge_kind = 'customer'
