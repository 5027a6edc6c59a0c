-- staging.products: every line of reference/products, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (partition by typed.product_id order by typed.line_no) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when product_class not in (select value from core.enums where domain = 'product_class')
            then 'unknown product_class: ' || product_class
        when risk_level not in (select value from core.enums where domain = 'risk_level')
            then 'unknown risk_level: ' || risk_level
        -- every asset must carry a risk level, or suitability could not be checked
        when risk_level is null
            and product_class not in (
                select value from core.enums where domain = 'liability_class'
            )
            then 'missing field: risk_level'
        when min_amount < 0 then 'impossible min_amount: ' || min_amount
        when term_days <= 0 then 'impossible term_days: ' || term_days
        when on_sale_to < on_sale_from then 'on_sale_to before on_sale_from'
        when copy_no > 1 then 'duplicate product_id: ' || product_id
    end) as reject_reason
from checked
