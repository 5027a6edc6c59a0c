-- graph.edges: one row per pair of people connected as of $as_of — two customers
-- (src_id < dst_id) or a customer (src_id) and a manager (dst_id) — with the evidence behind
-- the tie and a tie strength decayed by recency (wealthgraph.config.GraphConfig explains it).
with days as (
    select * from graph.edge_days where evidence_date <= $as_of
),

friend_changes as (
    select
        src_id,
        dst_id,
        arg_max(friend_change, friend_change_at) as last_change,
        min(first_friend_change_at) as first_change_at
    from days
    where friend_change is not null
    group by all
),

friendships as (
    select
        coalesce(initial.src_id, friend_changes.src_id) as src_id,
        coalesce(initial.dst_id, friend_changes.dst_id) as dst_id,
        coalesce(friend_changes.last_change, 'friend_add') = 'friend_add' as is_friend,
        coalesce(initial.since, friend_changes.first_change_at::date) as friends_since
    from (
        select least(customer_id, friend_id) as src_id, greatest(customer_id, friend_id) as dst_id,
            since
        from core.friendships
        where since <= $as_of::date
    ) as initial
    full join friend_changes using (src_id, dst_id)
),

-- the days' evidence summed, each day's decayed weight carried on to the as-of date
evidence as (
    select
        src_id,
        dst_id,
        any_value(edge_kind) as edge_kind,
        sum(messages_src_to_dst)::bigint as messages_src_to_dst,
        sum(messages_dst_to_src)::bigint as messages_dst_to_src,
        sum(transfer_count)::bigint as transfer_count,
        sum(transfer_amount) as transfer_amount,
        sum(red_packet_count)::bigint as red_packet_count,
        sum(red_packet_amount) as red_packet_amount,
        sum(aa_bill_count)::bigint as aa_bill_count,
        sum(aa_bill_amount) as aa_bill_amount,
        min(first_interaction_at) as first_interaction_at,
        max(last_interaction_at) as last_interaction_at,
        sum(
            decayed_interactions
            * pow(0.5, date_diff('day', evidence_date, $as_of::date) / $half_life_days)
        ) as decayed_interactions
    from days
    where first_interaction_at is not null
    group by src_id, dst_id
),

customer_pairs as (
    select
        src_id,
        dst_id,
        'customer' as edge_kind,
        case when coalesce(friendships.is_friend, false) then 'friend' else 'contact' end
            as relation,
        friendships.friends_since,
        evidence.* exclude (src_id, dst_id, edge_kind)
    from friendships
    full join (select * from evidence where edge_kind = 'customer') as evidence
        using (src_id, dst_id)
    where coalesce(friendships.is_friend, false) or evidence.src_id is not null
),

manager_pairs as (
    select
        src_id,
        dst_id,
        'manager' as edge_kind,
        case when assigned.src_id is not null then 'manager' else 'manager_contact' end
            as relation,
        null::date as friends_since,
        evidence.* exclude (src_id, dst_id, edge_kind)
    from (
        select customer_id as src_id, manager_id as dst_id
        from core.customers
        where manager_id is not null
    ) as assigned
    full join (select * from evidence where edge_kind = 'manager') as evidence
        using (src_id, dst_id)
),

pairs as (
    select * from customer_pairs
    union all by name
    select * from manager_pairs
),

shared as (
    select
        pairs.src_id,
        pairs.dst_id,
        count(*) as shared_groups
    from pairs
    join graph.memberships as m1 on m1.customer_id = pairs.src_id
    join graph.memberships as m2
        on m2.customer_id = pairs.dst_id and m2.group_id = m1.group_id
    where pairs.edge_kind = 'customer'
    group by all
),

final as (
    select
        pairs.src_id,
        pairs.dst_id,
        pairs.edge_kind,
        pairs.relation,
        pairs.relation in ('friend', 'manager') as is_tie,
        pairs.friends_since,
        coalesce(pairs.messages_src_to_dst, 0) as messages_src_to_dst,
        coalesce(pairs.messages_dst_to_src, 0) as messages_dst_to_src,
        coalesce(pairs.transfer_count, 0) as transfer_count,
        coalesce(pairs.transfer_amount, 0) as transfer_amount,
        coalesce(pairs.red_packet_count, 0) as red_packet_count,
        coalesce(pairs.red_packet_amount, 0) as red_packet_amount,
        coalesce(pairs.aa_bill_count, 0) as aa_bill_count,
        coalesce(pairs.aa_bill_amount, 0) as aa_bill_amount,
        coalesce(shared.shared_groups, 0) as shared_groups,
        pairs.first_interaction_at,
        pairs.last_interaction_at,
        $friend_weight * (pairs.relation in ('friend', 'manager'))::int
            + $group_weight * least(coalesce(shared.shared_groups, 0), 3)
            + ln(1 + coalesce(pairs.decayed_interactions, 0)) as tie_strength,
        $as_of::date as as_of
    from pairs
    left join shared using (src_id, dst_id)
)

select * from final
