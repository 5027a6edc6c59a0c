-- staging.snapshots: every line of one batch of days' account-balance files, typed, with the
-- first reason it is rejected (null = accepted).
with candidates as (
    -- copies are counted among lines that are well formed and inside their day: a copy landed
    -- in another day's file is rejected for that, and must not take the original down too
    select
        row_id,
        partition_date,
        account_id,
        line_no
    from typed
    where problem is null and as_of = partition_date
),

repeated as (
    -- accounts seen more than once on a day: only their lines need numbering
    select
        partition_date,
        account_id
    from candidates
    group by all
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by partition_date, account_id order by line_no) as copy_no
    from candidates
    semi join repeated using (partition_date, account_id)
),

checked as (
    select
        typed.*,
        coalesce(copies.copy_no, 1) as copy_no
    from typed
    left join copies using (row_id)
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
