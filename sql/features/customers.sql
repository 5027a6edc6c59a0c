-- features.customers: every customer registered by $as_of, as known on $as_of, without personal
-- data. The one place the point-in-time rules for customer attributes live: a risk assessment
-- dated after $as_of was unknown then, and age is counted at $as_of.
select
    customer_id,
    gender,
    -- whole years lived: date_diff('year') would count calendar-year boundaries instead
    date_part('year', age($as_of::date, birth_date)) as age,
    city,
    branch_id,
    manager_id,
    case when risk_assessed_at <= $as_of::date then risk_tolerance end as risk_tolerance,
    case when risk_assessed_at <= $as_of::date then risk_assessed_at end as risk_assessed_at,
    credit_grade,
    industry,
    registered_at,
    $as_of::date as as_of
from core.customers
where registered_at <= $as_of::date
