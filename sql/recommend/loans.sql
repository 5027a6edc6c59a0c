-- recommend.loans: per customer, the loan products they qualify for, best first, with reasons.
-- Eligible: credit grade $loan_min_credit_grade or better, no overdue loan, debt at most
-- $loan_max_debt_to_asset of assets, the loan on sale and not one they already have.
-- Debts come from features.finances, the figures the wealth overview shows the customer too.
-- The grade judged is the landed grade lowered by what the customer's network says
-- (graph.social_credit's grade_steps_down, never negative): a social feature can cost a
-- customer a loan, never win them one.
with grades as (
    select value as credit_grade, position, count(*) over () as grades
    from core.enums
    where domain = 'credit_grade'
),

customers as (
    select
        c.customer_id,
        c.credit_grade,
        -- the worse of the landed grade and the grade the network leaves: greatest() can only
        -- move the position down the scale
        least(greatest(g.position, g.position + coalesce(s.grade_steps_down, 0)), g.grades)
            as position,
        g.grades,
        coalesce(s.grade_steps_down, 0) as grade_steps_down,
        s.reasons as social_reasons,
        f.total_liabilities,
        f.debt_to_asset_ratio
    from features.customers c
    join grades g using (credit_grade)
    join features.finances f on f.customer_id = c.customer_id and f.as_of = c.as_of
    left join graph.social_credit s on s.customer_id = c.customer_id and s.as_of = c.as_of
    where c.as_of = $as_of::date
        and least(greatest(g.position, g.position + coalesce(s.grade_steps_down, 0)), g.grades)
            <= (select position from grades where credit_grade = $loan_min_credit_grade)
        and not coalesce(f.has_overdue_loan, false)
        and coalesce(f.debt_to_asset_ratio, 0) <= $loan_max_debt_to_asset
),

loans as (
    select product_id
    from core.products
    where product_class = 'loan'
        and on_sale_from <= $as_of::date
        and coalesce(on_sale_to, $as_of::date) >= $as_of::date
),

scored as (
    select
        c.customer_id,
        l.product_id as item_id,
        coalesce(i.views, 0) as views,
        coalesce(u.uptake, 0) as uptake,
        c.credit_grade,
        c.grade_steps_down,
        c.social_reasons,
        c.total_liabilities,
        c.debt_to_asset_ratio,
        -- better grade and lower debt first; having looked at it and its uptake lift a loan
        (1 - (c.position - 1) / c.grades) * (1 - coalesce(c.debt_to_asset_ratio, 0))
            + 0.5 * least(coalesce(i.views, 0), 3) / 3 + coalesce(u.uptake, 0) as score
    from customers c
    cross join loans l
    -- the grade's uptake counts every customer (recommend.loan_uptake), not just those here
    left join recommend.loan_uptake u
        on u.credit_grade = c.credit_grade and u.product_id = l.product_id
        and u.as_of = $as_of::date
    left join features.product_interactions i
        on i.customer_id = c.customer_id and i.product_id = l.product_id and i.as_of = $as_of::date
    where not exists (
        select 1 from features.holdings h
        where h.as_of = $as_of::date and h.customer_id = c.customer_id
            and h.product_id = l.product_id
    )
)

select
    customer_id,
    row_number() over (partition by customer_id order by score desc, item_id) as rank,
    item_id,
    score,
    list_filter([
        case
            when grade_steps_down = 0 then format('your {} credit grade qualifies', credit_grade)
            else format(
                'your {} credit grade qualifies, counted {} grade{} lower because {}',
                credit_grade, ['one', 'two', 'three'][grade_steps_down],
                if(grade_steps_down > 1, 's', ''), array_to_string(social_reasons, '; ')
            )
        end,
        case
            when coalesce(total_liabilities, 0) = 0 then 'you have no debts'
            else format(
                'your debts are {}% of your assets, within the {}% limit',
                round(100 * debt_to_asset_ratio)::int, round(100 * $loan_max_debt_to_asset)::int
            )
        end,
        case when views > 0 then format('you looked at it {} times recently', views) end,
        case when uptake >= 0.05 then 'popular with customers of your credit grade' end
    ], r -> r is not null) as reasons,
    'loan-eligibility-rules-v1' as model_version,
    $as_of::date as as_of
from scored
qualify rank <= $top_n_loan
