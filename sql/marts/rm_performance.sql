-- marts.rm_performance: per relationship manager (客户经理) and month up to $as_of, their book
-- and what they did for it: activity, AUM and net flows, contact coverage, response time,
-- recommendations and their conversions, ratings.
-- The book is the manager's customers as assigned at $as_of (the reference files carry no
-- assignment history), counted from the month each customer registered. Net flow is money
-- in minus money out of the book's accounts, interest excluded: interest is return, not flow.
-- Recommendations younger than the conversion window are still maturing.
with months as (
    select distinct date_trunc('month', ts)::date as month
    from core.events
    where ts < $as_of::date + 1
),

grid as (
    select managers.manager_id, managers.branch_id, months.month
    from core.managers as managers
    cross join months
),

book as (
    select customers.customer_id, customers.manager_id, grid.month
    from features.customers as customers
    join grid
        on grid.manager_id = customers.manager_id
        and customers.registered_at < grid.month + interval 1 month
    where customers.as_of = $as_of::date
),

monthly_events as (
    select
        user_id as customer_id,
        date_trunc('month', ts)::date as month,
        count(*) as events
    from core.events
    where ts < $as_of::date + 1
    group by all
),

contacts as (
    -- contact by the customer's own manager: another manager's message does not cover the book
    select distinct
        user_id as customer_id,
        manager_id,
        date_trunc('month', ts)::date as month
    from core.events
    where event_type = 'message_from_manager' and ts < $as_of::date + 1
),

monthly_flows as (
    select
        customer_id,
        date_trunc('month', ts)::date as month,
        sum(case direction when 'credit' then amount else -amount end) as net_flow
    from core.transactions
    where ts < $as_of::date + 1 and category <> 'interest'
    group by all
),

book_activity as (
    select
        book.manager_id,
        book.month,
        count(*) as book_customers,
        count(monthly_events.customer_id) as active_customers,
        count(contacts.customer_id) as contacted_customers,
        coalesce(sum(history.assets), 0) as book_aum,
        sum(previous.assets) as book_aum_previous_month,
        coalesce(sum(monthly_flows.net_flow), 0) as net_flow
    from book
    left join monthly_events using (customer_id, month)
    left join contacts using (customer_id, manager_id, month)
    left join monthly_flows using (customer_id, month)
    left join marts.wealth_history as history
        on history.customer_id = book.customer_id
        and history.month = book.month
    left join marts.wealth_history as previous
        on previous.customer_id = book.customer_id
        and previous.month = book.month - interval 1 month
    group by all
),

responses as (
    select
        manager_id,
        date_trunc('month', asked_at)::date as month,
        count(*) as inquiries,
        count(replied_at) as answered_inquiries,
        median(response_minutes) as median_response_minutes,
        quantile_cont(response_minutes, 0.9) as p90_response_minutes
    from features.manager_inquiries
    group by all
),

recommendations as (
    select
        manager_id,
        date_trunc('month', recommended_at)::date as month,
        count(*) as recommendations,
        count(distinct customer_id) as customers_recommended,
        count(distinct product_id) as products_recommended,
        count(*) filter (where purchases > 0) as converted_recommendations,
        sum(purchase_amount) as converted_amount
    from features.recommendation_outcomes
    group by all
),

ratings as (
    select
        manager_id,
        date_trunc('month', ts)::date as month,
        count(*) as ratings,
        avg(rating) as average_rating,
        avg((rating <= $low_rating_max)::int) as low_rating_share,
        count(nullif(trim(comment), '')) as rating_comments
    from core.events
    where event_type = 'manager_rating' and ts < $as_of::date + 1
    group by all
),

final as (
    select
        grid.manager_id,
        grid.month,
        grid.branch_id,
        coalesce(book_activity.book_customers, 0) as book_customers,
        coalesce(book_activity.active_customers, 0) as active_customers,
        coalesce(book_activity.book_aum, 0) as book_aum,
        book_activity.book_aum - book_activity.book_aum_previous_month as book_aum_change,
        coalesce(book_activity.net_flow, 0) as net_flow,
        coalesce(book_activity.contacted_customers, 0) as contacted_customers,
        book_activity.contacted_customers / nullif(book_activity.book_customers, 0)
            as contact_coverage,
        coalesce(responses.inquiries, 0) as inquiries,
        coalesce(responses.answered_inquiries, 0) as answered_inquiries,
        responses.median_response_minutes,
        responses.p90_response_minutes,
        coalesce(recommendations.recommendations, 0) as recommendations,
        coalesce(recommendations.customers_recommended, 0) as customers_recommended,
        coalesce(recommendations.products_recommended, 0) as products_recommended,
        recommendations.recommendations / nullif(recommendations.customers_recommended, 0)
            as recommendations_per_customer,
        coalesce(recommendations.converted_recommendations, 0) as converted_recommendations,
        recommendations.converted_recommendations
        / nullif(recommendations.recommendations, 0) as conversion_rate,
        coalesce(recommendations.converted_amount, 0) as converted_amount,
        coalesce(ratings.ratings, 0) as ratings,
        ratings.average_rating,
        ratings.low_rating_share,
        coalesce(ratings.rating_comments, 0) as rating_comments,
        $as_of::date as as_of
    from grid
    left join book_activity using (manager_id, month)
    left join responses using (manager_id, month)
    left join recommendations using (manager_id, month)
    left join ratings using (manager_id, month)
)

select * from final
