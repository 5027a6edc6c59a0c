-- graph.social_credit: per customer as of $as_of, what their network says about their
-- credit: close ties behind on a loan or card, ties to accounts suspected as money mules, their
-- circle's arrears rate and the PageRank of their contacts, and how many grades that takes off
-- their landed credit grade for loans (recommend.loans). It never adds any: a good network does
-- not vouch for a debt.
with overdue as (
    select customer_id, coalesce(has_overdue_loan, false) as overdue
    from features.finances
    where as_of = $as_of::date
),

bank as (
    select avg(overdue::int) as rate from overdue
),

-- suspected mules: accounts that passed on most of what new contacts paid them, to new
-- payees, again and again (the pass_through rule's pattern, read from features so that loans
-- never wait on the fraud model)
mules as (
    select customer_id
    from features.risk_payments
    where partition_date between $as_of::date - 29 and $as_of::date
        and is_first_contact
        and passthrough_share between $passthrough_share and 1
    group by all
    having count(*) >= $mule_passthroughs
),

metrics as (
    select node_id as customer_id, pagerank, community_id
    from graph.node_metrics
    where as_of = $as_of::date
),

circles as (
    select m.community_id, avg(o.overdue::int) as overdue_rate, count(*) as members
    from metrics m
    join overdue o using (customer_id)
    group by all
),

ties as (
    select
        t.customer_id,
        count(*) filter (where t.weight >= $close_tie_strength) as close_ties,
        count(*) filter (where t.weight >= $close_tie_strength and o.overdue) as close_ties_overdue,
        count(*) filter (where mu.customer_id is not null) as mule_ties,
        -- 1 = an average customer's PageRank
        avg(m.pagerank) * (select count(*) from metrics) as contacts_pagerank
    from graph.ties t
    left join overdue o on o.customer_id = t.other_id
    left join mules mu on mu.customer_id = t.other_id
    left join metrics m on m.customer_id = t.other_id
    group by all
),

judged as (
    select
        c.customer_id,
        coalesce(t.close_ties, 0) as close_ties,
        coalesce(t.close_ties_overdue, 0) as close_ties_overdue,
        t.close_ties_overdue / nullif(t.close_ties, 0) as close_overdue_share,
        coalesce(t.mule_ties, 0) as mule_ties,
        m.community_id,
        ci.overdue_rate as community_overdue_rate,
        (select rate from bank) as bank_overdue_rate,
        t.contacts_pagerank,
        coalesce(t.close_ties_overdue / nullif(t.close_ties, 0) >= $social_overdue_share, false)
            as overdue_ties_flag,
        coalesce(t.mule_ties, 0) > 0 as mule_ties_flag,
        coalesce(
            ci.members >= 10
            and ci.overdue_rate >= $social_community_factor * (select rate from bank),
            false
        ) as community_flag
    from features.customers c
    left join ties t using (customer_id)
    left join metrics m using (customer_id)
    left join circles ci using (community_id)
    where c.as_of = $as_of::date
)

select
    customer_id,
    close_ties,
    close_ties_overdue,
    close_overdue_share,
    mule_ties,
    community_id,
    community_overdue_rate,
    bank_overdue_rate,
    contacts_pagerank,
    overdue_ties_flag::int + mule_ties_flag::int + community_flag::int as grade_steps_down,
    list_filter([
        case when overdue_ties_flag then format(
            '{} of your {} close contacts are behind on a loan or card',
            close_ties_overdue, close_ties
        ) end,
        case when mule_ties_flag then 'you are in touch with an account under fraud review' end,
        case when community_flag then format(
            'arrears in your circle run at {}%, against {}% across the bank',
            round(100 * community_overdue_rate, 1), round(100 * bank_overdue_rate, 1)
        ) end
    ], r -> r is not null) as reasons,
    $as_of::date as as_of
from judged
