-- quality.recommendations_violations: rows of marts.recommendations on $as_of that break a rule
-- (check name and an example each). The rules are restated here from core and feature tables on
-- purpose: a bug in a recommender cannot also hide itself from this check.
with recs as (
    select * from marts.recommendations where as_of = $as_of::date
),

customers as (
    select
        customer_id,
        case
            when risk_assessed_at >= $as_of::date - $risk_assessment_valid_days::int
                then try_cast(right(risk_tolerance, 1) as int)
        end as tolerance
    from features.customers
    where as_of = $as_of::date
),

cash as (
    select customer_id, sum(balance) as current_balance
    from features.holdings
    where as_of = $as_of::date and product_class = 'current'
    group by all
),

held as (
    select customer_id, product_id as item_id
    from features.holdings
    where as_of = $as_of::date
),

violations as (
    select 'suitable_products_only' as check_name, r.customer_id, r.kind, r.item_id
    from recs r
    join core.products p on p.product_id = r.item_id
    left join customers c on c.customer_id = r.customer_id
    left join cash on cash.customer_id = r.customer_id
    where r.kind = 'product' and (
        c.tolerance is null
        or try_cast(right(p.risk_level, 1) as int) is null
        or try_cast(right(p.risk_level, 1) as int) > c.tolerance
        or p.on_sale_from > $as_of::date
        or coalesce(p.on_sale_to, $as_of::date) < $as_of::date
        or p.min_amount > coalesce(cash.current_balance, 0)
    )

    -- one semi join per kind (correlated exists under or took half of this check at 1M users)
    union all
    select 'nothing_already_held_or_joined', r.customer_id, r.kind, r.item_id
    from recs r
    semi join held h on h.customer_id = r.customer_id and h.item_id = r.item_id
    left join core.products p on p.product_id = r.item_id
    where r.kind in ('product', 'loan') and not (r.kind = 'product' and p.is_top_up)

    union all
    select 'nothing_already_held_or_joined', r.customer_id, r.kind, r.item_id
    from recs r
    semi join graph.memberships m on m.customer_id = r.customer_id and m.group_id = r.item_id
    where r.kind = 'activity'

    union all
    select 'nothing_already_held_or_joined', r.customer_id, r.kind, r.item_id
    from recs r
    where r.kind = 'friend' and r.item_id = r.customer_id

    union all
    select 'nothing_already_held_or_joined', r.customer_id, r.kind, r.item_id
    from recs r
    semi join graph.edges e
        on e.src_id = least(r.customer_id, r.item_id)
        and e.dst_id = greatest(r.customer_id, r.item_id)
        and e.relation = 'friend'
    where r.kind = 'friend'

    -- ranks are exactly 1..n: n rows, each rank in 1..n, no rank twice (the set bits of
    -- bit_or(1 << rank) are then bits 1..n); cheaper than count(distinct rank) per customer
    union all
    select 'top_n_per_kind', customer_id, kind, null
    from recs
    group by customer_id, kind
    having count(*) > case kind
        when 'friend' then $pymk_top_n
        when 'product' then $top_n_product
        when 'loan' then $top_n_loan
        when 'topic' then $top_n_topic
        when 'activity' then $top_n_activity
    end
    or min(rank) < 1 or max(rank) <> count(*) or count(*) > 60
    or bit_or(1::bigint << greatest(least(rank, 62), 0))
        <> (1::bigint << least(count(*) + 1, 62)) - 2

    union all
    select 'top_n_per_kind', r.customer_id, r.kind, any_value(p.product_class)
    from recs r
    join core.products p on p.product_id = r.item_id
    where r.kind = 'product'
    group by r.customer_id, r.kind, p.product_class
    having count(*) > $max_per_class

    union all
    select 'every_row_has_a_reason', customer_id, kind, item_id
    from recs
    where len(coalesce(list_filter(reasons, x -> coalesce(x, '') <> ''), [])) = 0
)

select check_name, customer_id || '/' || kind || '/' || coalesce(item_id, '') as example
from violations
