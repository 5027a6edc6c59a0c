-- quality.lead_pool_violations: rows of marts.lead_pool on $as_of that break a rule (check name
-- and an example each). Capacity is restated from the customers and managers tables so that a bug
-- in the mart cannot also hide itself here.
with pool as (
    select * from marts.lead_pool where as_of = $as_of::date
),

kept as (
    -- customers who stay with their manager: assigned and not released to the pool
    select customers.manager_id, count(*) as kept
    from features.customers as customers
    anti join pool using (customer_id)
    where customers.as_of = $as_of::date and customers.manager_id is not null
    group by all
),

violations as (
    select 'each_customer_offered_once' as check_name, customer_id as example
    from pool
    group by customer_id
    having count(*) > 1

    union all
    select 'offers_within_capacity', managers.manager_id
    from core.managers as managers
    join pool on pool.suggested_manager_id = managers.manager_id
    left join kept using (manager_id)
    group by managers.manager_id, managers.capacity, kept.kept
    having coalesce(kept.kept, 0) + count(*) > managers.capacity

    union all
    select 'offers_to_active_managers_only', pool.customer_id
    from pool
    join core.managers as managers on managers.manager_id = pool.suggested_manager_id
    where not managers.is_active or pool.suggested_manager_id = pool.current_manager_id
)

select check_name, example from violations
