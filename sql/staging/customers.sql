-- staging.customers: the rules a line of reference/customers must pass, in order, as WHEN
-- clauses (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction
-- order: the latest risk_assessed_at wins). Holds personal data: never read it outside
-- raw/staging/core.
when gender not in (select value from core.enums where domain = 'gender')
    then 'unknown gender: ' || gender
when birth_date > registered_at or birth_date < date '1900-01-01'
    then 'impossible birth_date: ' || birth_date
{unknown branch_id}
{unknown manager_id}
when risk_tolerance not in (select value from core.enums where domain = 'risk_tolerance')
    then 'unknown risk_tolerance: ' || risk_tolerance
when risk_tolerance is not null and risk_assessed_at is null
    then 'missing field: risk_assessed_at'
when credit_grade not in (select value from core.enums where domain = 'credit_grade')
    then 'unknown credit_grade: ' || credit_grade
