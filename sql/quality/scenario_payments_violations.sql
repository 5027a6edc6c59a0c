-- quality.scenario_payments_violations: rows of marts.scenario_payments that break a rule (check
-- name and an example each); payments are recounted from core.events.
with violations as (
    select 'one_row_per_month_and_scenario' as check_name, month || ' ' || scenario as example
    from marts.scenario_payments
    group by month, scenario
    having count(*) > 1

    union all
    select 'holders_within_users', month || ' ' || scenario
    from marts.scenario_payments
    where users_holding_wealth_products > users or users > payments

    union all
    select
        'every_payment_counted',
        payments || ' payments of ' || amount || ', ' || events || ' events of ' || event_amount
    from (
        select
            (select coalesce(sum(payments), 0) from marts.scenario_payments) as payments,
            (select coalesce(sum(amount), 0) from marts.scenario_payments) as amount,
            count(*) as events,
            coalesce(sum(amount), 0) as event_amount
        from core.events
        where event_type = 'scenario_payment' and partition_date <= $as_of::date
    )
    where payments is distinct from events or amount is distinct from event_amount
)

select check_name, example from violations
