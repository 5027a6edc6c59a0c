-- features.recommendation_outcomes: one row per product a manager recommended to a customer
-- (manager_recommend event) up to $as_of, with the purchases it converted. A purchase of that
-- product by that customer within $recommendation_window_days after the recommendation
-- converts it; when several recommendations precede one purchase, the latest takes the credit
-- (last touch), so a purchase is never counted twice.
with recommendations as (
    select
        event_id,
        manager_id,
        user_id as customer_id,
        target_id as product_id,
        ts as recommended_at
    from core.events
    where event_type = 'manager_recommend' and ts < $as_of::date + 1
),

purchases as (
    select event_id, user_id as customer_id, target_id as product_id, ts, amount
    from core.events
    where event_type = 'product_buy' and ts < $as_of::date + 1
),

credited as (
    select
        recommendations.event_id as recommendation_id,
        purchases.ts as purchased_at,
        purchases.amount
    from purchases
    join recommendations
        on recommendations.customer_id = purchases.customer_id
        and recommendations.product_id = purchases.product_id
        and purchases.ts >= recommendations.recommended_at
        and purchases.ts
        < recommendations.recommended_at + to_days($recommendation_window_days::integer)
    qualify row_number() over (
        partition by purchases.event_id
        order by recommendations.recommended_at desc, recommendations.event_id desc
    ) = 1
),

final as (
    select
        recommendations.event_id as recommendation_id,
        recommendations.manager_id,
        recommendations.customer_id,
        recommendations.product_id,
        recommendations.recommended_at,
        count(credited.purchased_at) as purchases,
        min(credited.purchased_at) as first_purchased_at,
        coalesce(sum(credited.amount), 0) as purchase_amount,
        $as_of::date as as_of
    from recommendations
    left join credited on credited.recommendation_id = recommendations.event_id
    group by all
)

select * from final
