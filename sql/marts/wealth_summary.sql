-- marts.wealth_summary: per customer and as-of date, the my-wealth overview (我的财富): assets,
-- liabilities, net worth, allocation by class and risk, change over 1 and 3 months and the
-- year, income and spending by category, savings rate, idle cash, maturities, risk match and
-- concentration. Thresholds come from wealthgraph.config.WealthConfig. The figures the
-- recommenders share (assets, debts, spending, idle cash) come from features.finances.
with holdings as (
    select * from features.holdings where as_of = $as_of::date
),

finances as (
    select * from features.finances where as_of = $as_of::date
),

totals as (
    select
        customer_id,
        coalesce(sum(balance) filter (where product_class in ('current', 'time_deposit')), 0)
            as liquid_assets,
        coalesce(max(balance) filter (where not is_liability), 0) as largest_holding,
        coalesce(max(right(risk_level, 1)::int) filter (
            where not is_liability and balance > 0
        ), 0) as max_held_risk,
        count(*) filter (
            where next_maturity_date between $as_of::date
                and $as_of::date + $maturity_window_days::int
        ) as maturing_products,
        coalesce(sum(balance) filter (
            where next_maturity_date between $as_of::date
                and $as_of::date + $maturity_window_days::int
        ), 0) as maturing_amount
    from holdings
    group by all
),

-- lists are ordered by list_sort on a leading sort key, then unwrapped: an aggregate's own
-- ORDER BY sorts every group's input and cost this query three times as much
by_class as (
    select
        holdings.customer_id,
        list_transform(list_sort(list({
            'key': -amount, 'class': product_class,
            'item': {'product_class': product_class, 'amount': amount,
                'share': round(amount / nullif(finances.total_assets, 0), 4)}
        })), x -> x.item) as allocation_by_class
    from (
        select customer_id, product_class, sum(balance) as amount
        from holdings
        where not is_liability
        group by all
    ) as holdings
    inner join finances on finances.customer_id = holdings.customer_id
    group by all
),

by_risk as (
    select
        holdings.customer_id,
        list_transform(list_sort(list({
            'key': risk_level,
            'item': {'risk_level': risk_level, 'amount': amount,
                'share': round(amount / nullif(finances.total_assets, 0), 4)}
        })), x -> x.item) as allocation_by_risk
    from (
        select customer_id, risk_level, sum(balance) as amount
        from holdings
        where not is_liability
        group by all
    ) as holdings
    inner join finances on finances.customer_id = holdings.customer_id
    group by all
),

history as (
    select
        customer_id,
        arg_max(net_worth, month) filter (
            where month <= date_trunc('month', $as_of::date - interval 1 month)
        ) as net_worth_1m_ago,
        arg_max(net_worth, month) filter (
            where month <= date_trunc('month', $as_of::date - interval 3 month)
        ) as net_worth_3m_ago,
        arg_max(net_worth, month) filter (
            where month < date_trunc('year', $as_of::date)
        ) as net_worth_last_year_end
    from marts.wealth_history
    group by all
),

flows as (
    select
        customer_id,
        category,
        direction,
        sum(amount) filter (where ts >= $as_of::date - 29) as amount_1m,
        sum(amount) as amount_3m
    from core.transactions
    where ts < $as_of::date + 1 and ts >= $as_of::date - 89
    group by all
),

cash_flow as (
    select
        customer_id,
        coalesce(sum(amount_1m) filter (where direction = 'credit'), 0) as income_1m,
        coalesce(sum(amount_3m) filter (where direction = 'credit'), 0) as income_3m,
        coalesce(sum(amount_1m) filter (where direction = 'debit'), 0) as spending_1m,
        list_transform(list_sort(list({
            'key': -amount_3m, 'category': category, 'item': {'category': category,
                'amount_1m': coalesce(amount_1m, 0), 'amount_3m': amount_3m}
        }) filter (where direction = 'credit')), x -> x.item) as income_by_category,
        list_transform(list_sort(list({
            'key': -amount_3m, 'category': category, 'item': {'category': category,
                'amount_1m': coalesce(amount_1m, 0), 'amount_3m': amount_3m}
        }) filter (where direction = 'debit')), x -> x.item) as spending_by_category
    from flows
    group by all
),

people as (
    select customer_id, risk_tolerance
    from features.customers
    where as_of = $as_of::date
),

final as (
    select
        people.customer_id,
        $as_of::date as as_of,
        finances.total_assets,
        finances.total_liabilities,
        finances.net_worth,
        coalesce(by_class.allocation_by_class, []) as allocation_by_class,
        coalesce(by_risk.allocation_by_risk, []) as allocation_by_risk,
        finances.net_worth - history.net_worth_1m_ago as net_worth_change_1m,
        finances.net_worth - history.net_worth_3m_ago as net_worth_change_3m,
        finances.net_worth - history.net_worth_last_year_end as net_worth_change_ytd,
        coalesce(cash_flow.income_1m, 0) as income_1m,
        coalesce(cash_flow.spending_1m, 0) as spending_1m,
        coalesce(cash_flow.income_3m, 0) as income_3m,
        finances.spending_3m,
        coalesce(cash_flow.income_by_category, []) as income_by_category,
        coalesce(cash_flow.spending_by_category, []) as spending_by_category,
        (cash_flow.income_3m - finances.spending_3m) / nullif(cash_flow.income_3m, 0)
            as savings_rate,
        finances.spending_3m / 3 as monthly_spending,
        coalesce(totals.liquid_assets, 0) / nullif(finances.spending_3m / 3, 0) as liquid_months,
        finances.idle_cash,
        coalesce(totals.maturing_products, 0) as maturing_products_30d,
        coalesce(totals.maturing_amount, 0) as maturing_amount_30d,
        people.risk_tolerance,
        case when totals.max_held_risk > 0 then 'R' || totals.max_held_risk end
            as max_held_risk_level,
        coalesce(
            totals.max_held_risk > right(people.risk_tolerance, 1)::int, false
        ) as is_risk_mismatch,
        totals.largest_holding / nullif(finances.total_assets, 0) as concentration_share,
        finances.debt_to_asset_ratio,
        finances.has_overdue_loan
    from people
    left join finances on finances.customer_id = people.customer_id
    left join totals on totals.customer_id = people.customer_id
    left join by_class on by_class.customer_id = people.customer_id
    left join by_risk on by_risk.customer_id = people.customer_id
    left join history on history.customer_id = people.customer_id
    left join cash_flow on cash_flow.customer_id = people.customer_id
)

select * from final
