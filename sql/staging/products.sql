-- staging.products: the rules a line of reference/products must pass, in order, as WHEN
-- clauses (wealthgraph.ingest.rules adds the correction order).
when product_class not in (select value from core.enums where domain = 'product_class')
    then 'unknown product_class: ' || product_class
when risk_level not in (select value from core.enums where domain = 'risk_level')
    then 'unknown risk_level: ' || risk_level
-- every asset must carry a risk level, or suitability could not be checked
when risk_level is null
    and product_class not in (select value from core.enums where domain = 'liability_class')
    then 'missing field: risk_level'
when min_amount < 0 then 'impossible min_amount: ' || min_amount
when term_days <= 0 then 'impossible term_days: ' || term_days
when on_sale_to < on_sale_from then 'on_sale_to before on_sale_from'
