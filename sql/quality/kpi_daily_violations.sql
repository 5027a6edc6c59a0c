-- quality.kpi_daily_violations: rows of marts.kpi_daily that break a rule (check name and an
-- example each). The 'all' row is computed from events, not by adding branches, so comparing it
-- with the branch sum catches customers missing from, or doubled in, the branch split.
with branch_sums as (
    select
        day,
        sum(dau) as dau,
        sum(mau) as mau,
        sum(new_users) as new_users,
        sum(transfers) as transfers,
        sum(transfer_amount) as transfer_amount,
        sum(product_purchases) as product_purchases,
        sum(purchase_amount) as purchase_amount,
        sum(customers_with_products) as customers_with_products,
        sum(cross_sell_customers) as cross_sell_customers
    from marts.kpi_daily
    where branch_id <> 'all'
    group by day
),

violations as (
    select 'one_row_per_day_and_branch' as check_name, day || ' ' || branch_id as example
    from marts.kpi_daily
    group by day, branch_id
    having count(*) > 1

    union all
    select 'dau_within_mau', day || ' ' || branch_id
    from marts.kpi_daily
    where dau > mau

    union all
    select 'cross_sell_within_holders', day || ' ' || branch_id
    from marts.kpi_daily
    where cross_sell_customers > customers_with_products

    union all
    select 'branches_add_up_to_all', overall.day::varchar
    from marts.kpi_daily as overall
    left join branch_sums using (day)
    where overall.branch_id = 'all'
        and (
            (
                overall.dau, overall.mau, overall.new_users, overall.transfers,
                overall.transfer_amount, overall.product_purchases, overall.purchase_amount,
                overall.customers_with_products, overall.cross_sell_customers
            ) is distinct from (
                branch_sums.dau, branch_sums.mau, branch_sums.new_users, branch_sums.transfers,
                branch_sums.transfer_amount, branch_sums.product_purchases,
                branch_sums.purchase_amount, branch_sums.customers_with_products,
                branch_sums.cross_sell_customers
            )
        )
)

select check_name, example from violations
