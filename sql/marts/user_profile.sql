-- marts.user_profile: per customer and as-of date, the user profile (用户画像), point in time:
-- only data up to $as_of. Demographics, risk and credit, manager, engagement, topic affinity,
-- holdings and AUM by class, social metrics, lifecycle stage and segment. Ids only: no name,
-- phone or ID number. Assets, debts and segment come from features.finances, where the
-- recommenders read them too.
with people as (
    select * from features.customers where as_of = $as_of::date
),

aum as (
    select
        customer_id,
        coalesce(sum(balance) filter (where product_class = 'time_deposit'), 0)
            as aum_time_deposit,
        coalesce(sum(balance) filter (where product_class = 'wealth'), 0) as aum_wealth,
        coalesce(sum(balance) filter (where product_class = 'fund'), 0) as aum_fund,
        coalesce(sum(balance) filter (where product_class = 'insurance'), 0) as aum_insurance,
        coalesce(sum(balance) filter (where product_class = 'precious_metal'), 0)
            as aum_precious_metal,
        count(distinct product_id) filter (where product_class <> 'current') as products_held,
        -- list_sort, not an ordered aggregate: the same list, without sorting each group's rows
        list_sort(list(distinct product_class), 'ASC', 'NULLS LAST') as product_classes_held
    from features.holdings
    where as_of = $as_of::date
    group by all
),

topics as (
    select
        customer_id,
        list_transform(list_sort(list({
            'key': (-share, topic), 'item': {'topic': topic, 'share': round(share, 3)}
        }))[1:3], x -> x.item) as top_topics
    from features.topic_affinity
    where as_of = $as_of::date
    group by all
),

final as (
    select
        people.customer_id,
        $as_of::date as as_of,
        people.gender,
        people.age,
        case
            when people.age is null then null
            when people.age < 25 then '18-24'
            when people.age < 35 then '25-34'
            when people.age < 45 then '35-44'
            when people.age < 55 then '45-54'
            when people.age < 65 then '55-64'
            else '65+'
        end as age_band,
        people.city,
        people.branch_id,
        people.manager_id,
        people.risk_tolerance,
        people.risk_assessed_at,
        coalesce(
            date_diff('day', people.risk_assessed_at, $as_of::date)
            <= $risk_assessment_valid_days,
            false
        ) as is_risk_assessment_valid,
        people.credit_grade,
        people.industry,
        people.registered_at,
        engagement.first_seen_on,
        engagement.last_seen_on,
        coalesce(engagement.active_days_7, 0) as active_days_7,
        coalesce(engagement.active_days_30, 0) as active_days_30,
        coalesce(engagement.active_days_90, 0) as active_days_90,
        engagement.recency_days,
        coalesce(engagement.frequency_30, 0) as frequency_30,
        coalesce(engagement.recency_score, 1) as recency_score,
        coalesce(engagement.frequency_score, 1) as frequency_score,
        coalesce(topics.top_topics, []) as top_topics,
        finances.total_assets as aum,
        finances.total_liabilities as liabilities,
        finances.current_balance as aum_current,
        coalesce(aum.aum_time_deposit, 0) as aum_time_deposit,
        coalesce(aum.aum_wealth, 0) as aum_wealth,
        coalesce(aum.aum_fund, 0) as aum_fund,
        coalesce(aum.aum_insurance, 0) as aum_insurance,
        coalesce(aum.aum_precious_metal, 0) as aum_precious_metal,
        coalesce(aum.products_held, 0) as products_held,
        coalesce(aum.product_classes_held, []) as product_classes_held,
        coalesce(metrics.degree, 0) as degree,
        coalesce(metrics.weighted_degree, 0) as weighted_degree,
        metrics.pagerank,
        metrics.pagerank_rank,
        metrics.community_id,
        coalesce(metrics.clustering, 0) as clustering,
        coalesce(engagement.lifecycle_stage, 'dormant') as lifecycle_stage,
        finances.segment
    from people
    left join features.finances as finances
        on finances.customer_id = people.customer_id and finances.as_of = $as_of::date
    left join features.engagement as engagement
        on engagement.customer_id = people.customer_id and engagement.as_of = $as_of::date
    left join aum on aum.customer_id = people.customer_id
    left join topics on topics.customer_id = people.customer_id
    left join graph.node_metrics as metrics on metrics.node_id = people.customer_id
)

select * from final
