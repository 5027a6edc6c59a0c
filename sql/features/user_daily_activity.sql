-- features.user_daily_activity: one row per customer and day with any event: what they did.
-- The grain every behaviour and engagement feature is computed from (polars, in features/).
-- Kept per day: a run writes only its days ($first_day .. $last_day; a daily run, one day).
select
    user_id as customer_id,
    partition_date as activity_date,
    count(*) as events,
    count(*) filter (where event_type like 'message%') as messages,
    count(*) filter (where event_type = 'message_manager') as messages_to_manager,
    count(*) filter (where event_type in ('transfer', 'red_packet', 'aa_bill')) as transfers,
    coalesce(sum(amount) filter (
        where event_type in ('transfer', 'red_packet', 'aa_bill')
    ), 0) as transfer_amount,
    count(*) filter (where event_type = 'article_read') as articles_read,
    count(*) filter (where event_type = 'article_share') as articles_shared,
    count(*) filter (where event_type in ('product_view', 'product_share')) as product_views,
    count(*) filter (where event_type = 'product_buy') as purchases,
    coalesce(sum(amount) filter (where event_type = 'product_buy'), 0) as purchase_amount,
    count(*) filter (where event_type = 'scenario_payment') as scenario_payments,
    coalesce(sum(amount) filter (where event_type = 'scenario_payment'), 0)
        as scenario_payment_amount,
    count(*) filter (where event_type = 'login') as logins,
    count(*) filter (where channel = 'app') as app_events,
    count(*) filter (where channel = 'web') as web_events,
    count(*) filter (where channel = 'mini_program') as mini_program_events,
    count(*) filter (where hour(ts) between 6 and 11) as morning_events,
    count(*) filter (where hour(ts) between 12 and 17) as afternoon_events,
    count(*) filter (where hour(ts) between 18 and 23) as evening_events,
    count(*) filter (where hour(ts) < 6) as night_events
from core.events
where partition_date between $first_day and $last_day
group by all
