-- staging.snapshots: the rules a line of a day's account-balance file must pass, in order, as
-- WHEN clauses (wealthgraph.ingest.rules fills in the unknown-id rules and adds the
-- duplicate-key rule: one line per account and day).
when as_of <> partition_date then 'as_of outside partition: ' || as_of
{unknown customer_id}
{unknown product_id}
when balance < 0 or balance > 100000000000 then 'impossible balance: ' || balance
when status not in (select value from core.enums where domain = 'account_status')
    then 'unknown status: ' || status
when length(currency) <> 3 then 'bad currency code: ' || currency
when maturity_date < opened_at then 'maturity_date before opened_at'
