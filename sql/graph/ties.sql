-- graph.ties: graph.edges between customers seen from each end (one row per customer and
-- contact), so "what my contacts do" is a plain join on customer_id.
select src_id as customer_id, dst_id as other_id, relation, tie_strength as weight
from graph.edges where edge_kind = 'customer'
union all
select dst_id, src_id, relation, tie_strength
from graph.edges where edge_kind = 'customer'
