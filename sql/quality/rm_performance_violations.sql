-- quality.rm_performance_violations: rows behind marts.rm_performance that break a rule (check
-- name and an example each), restated from the feature tables so that a bug in the mart cannot
-- also hide itself here.
with violations as (
    select
        'conversions_after_recommendation' as check_name,
        recommendation_id as example
    from features.recommendation_outcomes
    where first_purchased_at < recommended_at
        or first_purchased_at
        >= recommended_at + to_days($recommendation_window_days::integer)

    union all
    select 'replies_after_inquiries', customer_id || '/' || manager_id
    from features.manager_inquiries
    where replied_at < asked_at

    union all
    select 'one_row_per_manager_month', manager_id || '/' || month
    from marts.rm_performance
    group by manager_id, month
    having count(*) > 1
)

select check_name, example from violations
