-- The product recommender's customers, one row each in customer_id order (its output comes out
-- in the order read). Segment and risk tolerance pick the popularity peers; the current-account
-- balance is what a minimum amount must fit; idle cash gives the "could earn more" reason.
select
    c.customer_id,
    c.risk_tolerance,
    c.risk_assessed_at,
    coalesce(f.segment, 'unknown') as segment,
    coalesce(f.current_balance, 0)::double as current_balance,
    coalesce(f.idle_cash, 0)::double as idle_cash
from features.customers c
left join features.finances f on f.customer_id = c.customer_id and f.as_of = c.as_of
where c.as_of = $as_of::date
order by c.customer_id
