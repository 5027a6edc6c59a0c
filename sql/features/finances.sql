-- features.finances: per customer and as-of date, the money figures more than one reader needs:
-- the product and loan recommenders (segment, current balance, idle cash, debt) and the marts
-- wealth_summary and user_profile. Each is worked out here once, so the recommenders need not
-- read a mart (data flows core -> features -> recommend -> marts) and no two tables can
-- disagree on a customer's assets, debts or segment.
with holdings as (
    select
        customer_id,
        coalesce(sum(balance) filter (where not is_liability), 0) as total_assets,
        coalesce(sum(balance) filter (where is_liability), 0) as total_liabilities,
        coalesce(sum(balance) filter (where product_class = 'current'), 0) as current_balance,
        bool_or(is_overdue and is_liability) as has_overdue_loan
    from features.holdings
    where as_of = $as_of::date
    group by all
),

spending as (
    -- three months: long enough that one large bill does not make a month's spending
    select customer_id, sum(amount) as spending_3m
    from core.transactions
    where direction = 'debit' and ts < $as_of::date + 1 and ts >= $as_of::date - 89
    group by all
),

people as (
    select customer_id
    from features.customers
    where as_of = $as_of::date
),

final as (
    select
        people.customer_id,
        $as_of::date as as_of,
        case
            when coalesce(holdings.total_assets, 0) >= $private_banking_from
                then 'private_banking'
            when coalesce(holdings.total_assets, 0) >= $high_net_worth_from then 'high_net_worth'
            when coalesce(holdings.total_assets, 0) >= $affluent_from then 'affluent'
            else 'mass'
        end as segment,
        coalesce(holdings.total_assets, 0) as total_assets,
        coalesce(holdings.total_liabilities, 0) as total_liabilities,
        coalesce(holdings.total_assets, 0) - coalesce(holdings.total_liabilities, 0) as net_worth,
        holdings.total_liabilities / nullif(holdings.total_assets, 0) as debt_to_asset_ratio,
        coalesce(holdings.has_overdue_loan, false) as has_overdue_loan,
        coalesce(holdings.current_balance, 0) as current_balance,
        coalesce(spending.spending_3m, 0) as spending_3m,
        -- the current account should cover $idle_cash_months of spending; the rest could earn
        greatest(
            coalesce(holdings.current_balance, 0)
            - $idle_cash_months * coalesce(spending.spending_3m, 0) / 3,
            0
        ) as idle_cash
    from people
    left join holdings on holdings.customer_id = people.customer_id
    left join spending on spending.customer_id = people.customer_id
)

select * from final
