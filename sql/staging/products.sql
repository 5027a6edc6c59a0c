-- staging.products: every line of reference/products, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when product_class not in (
                select value from core.enums where domain = 'product_class'
            ) then 'unknown product_class: ' || product_class
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
        end) as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        product_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by product_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || product_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (product_id)
