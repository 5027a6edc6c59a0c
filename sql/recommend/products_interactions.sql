-- What each customer did with each product (views, shares, buys, holding): the evidence the
-- blend learns from, weighted in wealthgraph.config.RecommendConfig.
select customer_id, product_id, views, shares, buys, is_held
from features.product_interactions
where as_of = $as_of::date
