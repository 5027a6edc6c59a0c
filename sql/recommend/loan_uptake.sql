-- recommend.loan_uptake: the share of each credit grade's customers who have each loan, "what
-- people like you borrow". It counts every customer, so it is computed once, at the hub, and
-- handed to each customer shard with the other reference tables (pipelines/shards.py).
select
    c.credit_grade,
    h.product_id,
    count(distinct h.customer_id) / any_value(n.customers) as uptake,
    $as_of::date as as_of
from features.holdings h
join features.customers c on c.customer_id = h.customer_id and c.as_of = h.as_of
join (
    select credit_grade, count(*) as customers
    from features.customers where as_of = $as_of::date group by all
) n using (credit_grade)
where h.as_of = $as_of::date and h.product_class = 'loan'
group by all
