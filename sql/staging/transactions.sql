-- staging.transactions: every line of one day's transactions file, typed, with the first
-- reason it is rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (
            partition by typed.txn_id order by typed.partition_date, typed.line_no
        ) as copy_no
    from typed
),

final as (
    select
        checked.* exclude (problem, copy_no),
        coalesce(problem, case
            when customer_id not in (select customer_id from core.customers)
                then 'unknown customer_id: ' || customer_id
            when ts::date <> partition_date then 'timestamp outside partition: ' || ts
            when direction not in (select value from core.enums where domain = 'direction')
                then 'unknown direction: ' || direction
            when amount <= 0 or amount > 100000000 then 'impossible amount: ' || amount
            when category not in (
                select value from core.enums where domain = 'transaction_category'
            ) then 'unknown category: ' || category
            when copy_no > 1 then 'duplicate txn_id: ' || txn_id
            when txn_id in (
                select txn_id from core.transactions
                where partition_date not in (select partition_date from lines)
            ) then 'duplicate txn_id: already ingested for another day'
        end) as reject_reason
    from checked
)

select * from final
