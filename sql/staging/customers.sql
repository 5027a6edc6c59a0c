-- staging.customers: every line of reference/customers, typed, with the first reason it is
-- rejected (null = accepted). Holds personal data: never read it outside raw/staging/core.
with repeated as (
    -- ids seen more than once: only their lines need numbering
    select customer_id
    from typed
    group by customer_id
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by customer_id order by line_no) as copy_no
    from typed
    where customer_id in (select customer_id from repeated)
),

checked as (
    select
        typed.*,
        coalesce(copies.copy_no, 1) as copy_no
    from typed
    left join copies using (row_id)
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when gender not in (select value from core.enums where domain = 'gender')
            then 'unknown gender: ' || gender
        when birth_date > registered_at or birth_date < date '1900-01-01'
            then 'impossible birth_date: ' || birth_date
        when branch_id not in (select branch_id from core.branches)
            then 'unknown branch_id: ' || branch_id
        when manager_id not in (select manager_id from core.managers)
            then 'unknown manager_id: ' || manager_id
        when risk_tolerance not in (select value from core.enums where domain = 'risk_tolerance')
            then 'unknown risk_tolerance: ' || risk_tolerance
        when risk_tolerance is not null and risk_assessed_at is null
            then 'missing field: risk_assessed_at'
        when credit_grade not in (select value from core.enums where domain = 'credit_grade')
            then 'unknown credit_grade: ' || credit_grade
        when copy_no > 1 then 'duplicate customer_id: ' || customer_id
    end) as reject_reason
from checked
