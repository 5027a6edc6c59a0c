-- marts.lead_pool (抢单): customers no active manager serves at $as_of, scored, each offered to
-- one manager with spare capacity.
-- In the pool: no manager; a manager who left (is_active false) or has sent no message or
-- recommendation for manager_idle_days; or the part of a book beyond the manager's capacity,
-- lowest priority first (the manager keeps the customers worth most to them).
-- Scores are percentiles in 0..1 among all customers, so they read the same in any bank:
--   value = mean of AUM and 3-month income percentiles (income is what could still be banked)
--   need  = mean of idle-cash percentile, "a product matures within 30 days" and the share of
--           wealth-advice rules the customer fails
--   priority = lead_value_weight * value + lead_need_weight * need
-- Offers, the fair rule: in each branch, customers by priority (best first) are dealt in turn
-- to the branch's managers with spare capacity, one each round in manager id order, a
-- manager dropping out once full; customers left over are dealt the same way to managers in
-- the branch's city. Each customer is offered to at most one manager; none beyond capacity.
with last_served as (
    select manager_id, max(ts) as last_served_at
    from core.events
    where event_type in ('message_from_manager', 'manager_recommend')
        and ts < $as_of::date + 1
    group by all
),

managers as (
    select
        managers.manager_id,
        managers.branch_id,
        branches.city,
        managers.capacity,
        coalesce(
            managers.is_active
            and (
                managers.hired_at > $as_of::date - $manager_idle_days::integer
                or last_served.last_served_at >= $as_of::date - $manager_idle_days::integer
            ),
            false
        ) as is_serving
    from core.managers as managers
    left join core.branches as branches using (branch_id)
    left join last_served using (manager_id)
),

advice as (
    select customer_id, avg((not passed)::int) as failed_rule_share
    from marts.wealth_advice
    where as_of = $as_of::date
    group by all
),

scored as (
    select
        customers.customer_id,
        customers.branch_id,
        branches.city,
        customers.manager_id,
        coalesce(summary.total_assets, 0) as aum,
        coalesce(summary.idle_cash, 0) as idle_cash,
        coalesce(summary.maturing_amount_30d, 0) as maturing_amount_30d,
        coalesce(advice.failed_rule_share, 0) as failed_rule_share,
        (
            percent_rank() over (order by coalesce(summary.total_assets, 0))
            + percent_rank() over (order by coalesce(summary.income_3m, 0))
        ) / 2 as value_score,
        (
            percent_rank() over (order by coalesce(summary.idle_cash, 0))
            + (coalesce(summary.maturing_products_30d, 0) > 0)::int
            + coalesce(advice.failed_rule_share, 0)
        ) / 3 as need_score
    from features.customers as customers
    left join core.branches as branches using (branch_id)
    left join marts.wealth_summary as summary
        on summary.customer_id = customers.customer_id
        and summary.as_of = $as_of::date
    left join advice on advice.customer_id = customers.customer_id
    where customers.as_of = $as_of::date
),

prioritised as (
    select
        *,
        $lead_value_weight * value_score + $lead_need_weight * need_score as priority
    from scored
),

placed as (
    select
        prioritised.*,
        managers.capacity,
        managers.is_serving,
        row_number() over (
            partition by prioritised.manager_id
            order by prioritised.priority desc, prioritised.customer_id
        ) as rank_in_book
    from prioritised
    left join managers using (manager_id)
),

pool as (
    select
        * exclude (capacity, is_serving, rank_in_book),
        case
            when manager_id is null then 'no_manager'
            when is_serving is null then 'unknown_manager'
            when not is_serving then 'manager_inactive'
            else 'over_capacity'
        end as pool_reason
    from placed
    where manager_id is null
        or is_serving is not true
        or rank_in_book > capacity
),

spare as (
    select
        managers.manager_id,
        managers.branch_id,
        managers.city,
        managers.capacity - count(placed.customer_id) as spare
    from managers
    left join placed
        on placed.manager_id = managers.manager_id and placed.rank_in_book <= managers.capacity
    where managers.is_serving
    group by managers.manager_id, managers.branch_id, managers.city, managers.capacity
    having spare > 0
),

slots as (
    -- slot k of every manager comes before slot k + 1 of any: one customer each per round
    select
        manager_id,
        branch_id,
        city,
        slot,
        row_number() over (partition by branch_id order by slot, manager_id) as branch_turn
    from spare, range(1, spare + 1) as t(slot)
),

branch_offers as (
    select pool.customer_id, slots.manager_id, slots.slot
    from (
        select
            customer_id,
            branch_id,
            row_number() over (
                partition by branch_id order by priority desc, customer_id
            ) as branch_turn
        from pool
    ) as pool
    join slots using (branch_id, branch_turn)
),

city_slots as (
    select
        slots.manager_id,
        slots.city,
        row_number() over (
            partition by slots.city order by slots.slot, slots.manager_id
        ) as city_turn
    from slots
    anti join branch_offers using (manager_id, slot)
),

city_offers as (
    select waiting.customer_id, city_slots.manager_id
    from (
        select
            pool.customer_id,
            pool.city,
            row_number() over (
                partition by pool.city order by pool.priority desc, pool.customer_id
            ) as city_turn
        from pool
        anti join branch_offers using (customer_id)
    ) as waiting
    join city_slots using (city, city_turn)
),

final as (
    select
        pool.customer_id,
        pool.branch_id,
        pool.city,
        pool.manager_id as current_manager_id,
        pool.pool_reason,
        pool.aum,
        pool.idle_cash,
        pool.maturing_amount_30d,
        pool.failed_rule_share,
        pool.value_score,
        pool.need_score,
        pool.priority,
        row_number() over (
            partition by pool.branch_id order by pool.priority desc, pool.customer_id
        ) as priority_rank_in_branch,
        coalesce(branch_offers.manager_id, city_offers.manager_id) as suggested_manager_id,
        case
            when branch_offers.manager_id is not null then 'same_branch'
            when city_offers.manager_id is not null then 'same_city'
        end as offer_rule,
        $as_of::date as as_of
    from pool
    left join branch_offers using (customer_id)
    left join city_offers using (customer_id)
)

select * from final
