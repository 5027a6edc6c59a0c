-- The products the recommender may offer, in product_id order (equal scores go to the one
-- listed first); off-sale ones stay in, as evidence of what customers hold, and are filtered
-- out of the offers.
select
    product_id,
    name,
    product_class,
    risk_level,
    min_amount::double as min_amount,
    on_sale_from <= $as_of::date and coalesce(on_sale_to, $as_of::date) >= $as_of::date
        as on_sale,
    is_top_up,
    expected_yield_pct
from core.products
-- every customer has a current account: it is neither news nor evidence; loans are
-- recommended by their own rules (loans.sql)
where product_class <> 'current'
    and product_class not in (
        select value from core.enums where domain = 'liability_class'
    )
order by product_id
