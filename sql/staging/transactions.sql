-- staging.transactions: the rules a line of a day's transactions file must pass, in order, as
-- WHEN clauses (wealthgraph.ingest.rules fills in the unknown-id rules and adds the
-- duplicate-key rules: a txn_id repeated in the batch or already ingested on another day).
{unknown customer_id}
when ts::date <> partition_date then 'timestamp outside partition: ' || ts
when direction not in (select value from core.enums where domain = 'direction')
    then 'unknown direction: ' || direction
when amount <= 0 or amount > 100000000 then 'impossible amount: ' || amount
when category not in (select value from core.enums where domain = 'transaction_category')
    then 'unknown category: ' || category
