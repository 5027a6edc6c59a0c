-- staging.snapshots: every line of one day's account-balance file, typed, with the first
-- reason it is rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (
            partition by typed.partition_date, typed.account_id order by typed.line_no
        ) as copy_no
    from typed
),

final as (
    select
        checked.* exclude (problem, copy_no),
        coalesce(problem, case
            when as_of <> partition_date then 'as_of outside partition: ' || as_of
            when customer_id not in (select customer_id from core.customers)
                then 'unknown customer_id: ' || customer_id
            when product_id not in (select product_id from core.products)
                then 'unknown product_id: ' || product_id
            when balance < 0 or balance > 100000000000 then 'impossible balance: ' || balance
            when status not in (select value from core.enums where domain = 'account_status')
                then 'unknown status: ' || status
            when length(currency) <> 3 then 'bad currency code: ' || currency
            when maturity_date < opened_at then 'maturity_date before opened_at'
            when copy_no > 1 then 'duplicate account_id: ' || account_id
        end) as reject_reason
    from checked
)

select * from final
