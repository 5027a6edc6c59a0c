-- staging.customers: every line of reference/customers, typed, with the first reason it is
-- rejected (null = accepted). Holds personal data: never read it outside raw/staging/core.
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when gender not in (select value from core.enums where domain = 'gender')
                then 'unknown gender: ' || gender
            when birth_date > registered_at or birth_date < date '1900-01-01'
                then 'impossible birth_date: ' || birth_date
            when branch_id not in (select branch_id from core.branches)
                then 'unknown branch_id: ' || branch_id
            when manager_id not in (select manager_id from core.managers)
                then 'unknown manager_id: ' || manager_id
            when risk_tolerance not in (
                select value from core.enums where domain = 'risk_tolerance'
            ) then 'unknown risk_tolerance: ' || risk_tolerance
            when risk_tolerance is not null and risk_assessed_at is null
                then 'missing field: risk_assessed_at'
            when credit_grade not in (select value from core.enums where domain = 'credit_grade')
                then 'unknown credit_grade: ' || credit_grade
        end) as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the latest risk_assessed_at
    -- (a line without one loses to a line with one), then the later line, so suitability uses
    -- the latest assessment (wealthgraph.landing.CORRECTION_ORDER)
    select
        customer_id,
        arg_max(line_no, (coalesce(risk_assessed_at, '-infinity'::date), line_no)) as winner
    from checked
    where reason is null
    group by customer_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || customer_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (customer_id)
