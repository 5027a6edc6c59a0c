-- Articles each customer read in the 30 days up to $as_of, per product class the article
-- promotes: "you read 3 articles on funds this month" is a reason. One row per (customer,
-- class), which the recommender's lookup relies on.
select e.user_id as customer_id, p.product_class, count(*) as reads
from core.events e
join core.articles a on a.article_id = e.target_id
join core.products p on p.product_id = a.product_id
where e.event_type = 'article_read'
    and e.ts < $as_of::date + 1
    and e.ts >= $as_of::date - 29
group by all
