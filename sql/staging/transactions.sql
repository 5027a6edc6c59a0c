-- staging.transactions: every line of one batch of days' transactions files, typed, with the
-- first reason it is rejected (null = accepted).
with candidates as (
    -- copies are counted among lines that are well formed and inside their day: a copy landed
    -- in another day's file is rejected for that, and must not take the original down too
    select
        row_id,
        txn_id,
        partition_date,
        line_no
    from typed
    where problem is null and ts::date = partition_date
),

repeated as (
    -- ids seen more than once in the batch: only their lines need numbering
    select txn_id
    from candidates
    group by txn_id
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by txn_id order by partition_date, line_no) as copy_no
    from candidates
    where txn_id in (select txn_id from repeated)
),

ingested_before as (
    -- ids of this batch already accepted on a day outside it: only core's rows within the
    -- batch's id range ($low_id..$high_id, constants, so the scan skips the other row groups
    -- by their min/max) can be, then an exact match
    select distinct transactions.txn_id
    from core.transactions
    where
        transactions.txn_id between $low_id and $high_id
        and transactions.partition_date not in (select distinct partition_date from typed)
        and transactions.txn_id in (select txn_id from typed)
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
            when txn_id in (select txn_id from ingested_before)
                then 'duplicate txn_id: already ingested for another day'
        end) as reject_reason
    from checked
)

select * from final
