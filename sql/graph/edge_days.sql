-- graph.edge_days: one row per pair of people and day with evidence that day, the per-day
-- grain graph.edges sums over. Kept per day: a run writes only its days ($first_day ..
-- $last_day). The interactions' decay is taken to the end of their day here and from there to
-- the as-of date in graph.edges: 0.5^(a/h) * 0.5^(b/h) = 0.5^((a+b)/h), so the sum equals
-- decaying every event to the as-of date, while a daily run reads one day of events.
with day_events as (
    select *
    from core.events
    where partition_date between $first_day and $last_day
),

-- one row per interaction or friend change, oriented so that `forward` means src -> dst
interactions as (
    select
        least(user_id, target_id) as src_id,
        greatest(user_id, target_id) as dst_id,
        'customer' as edge_kind,
        user_id < target_id as forward,
        event_type,
        amount,
        ts,
        partition_date
    from day_events
    where event_type in (
        'message_friend', 'transfer', 'red_packet', 'aa_bill', 'friend_add', 'friend_remove'
    )
    union all
    select
        user_id as src_id,
        target_id as dst_id,
        'manager' as edge_kind,
        event_type = 'message_manager' as forward,
        'message_manager' as event_type,
        null as amount,
        ts,
        partition_date
    from day_events
    where event_type in ('message_manager', 'message_from_manager')
)

select
    src_id,
    dst_id,
    any_value(edge_kind) as edge_kind,
    partition_date as evidence_date,
    count(*) filter (where event_type like 'message%' and forward) as messages_src_to_dst,
    count(*) filter (where event_type like 'message%' and not forward) as messages_dst_to_src,
    count(*) filter (where event_type = 'transfer') as transfer_count,
    coalesce(sum(amount) filter (where event_type = 'transfer'), 0) as transfer_amount,
    count(*) filter (where event_type = 'red_packet') as red_packet_count,
    coalesce(sum(amount) filter (where event_type = 'red_packet'), 0) as red_packet_amount,
    count(*) filter (where event_type = 'aa_bill') as aa_bill_count,
    coalesce(sum(amount) filter (where event_type = 'aa_bill'), 0) as aa_bill_amount,
    min(ts) filter (where event_type not like 'friend%') as first_interaction_at,
    max(ts) filter (where event_type not like 'friend%') as last_interaction_at,
    coalesce(sum(
        case
            when event_type like 'message%' then $message_weight
            when event_type = 'transfer' then $transfer_weight
            when event_type = 'red_packet' then $red_packet_weight
            else $aa_bill_weight
        end
        * pow(0.5, date_diff('second', ts, partition_date + 1) / 86400 / $half_life_days)
    ) filter (where event_type not like 'friend%'), 0) as decayed_interactions,
    arg_max(event_type, ts) filter (where event_type like 'friend%') as friend_change,
    max(ts) filter (where event_type like 'friend%') as friend_change_at,
    min(ts) filter (where event_type like 'friend%') as first_friend_change_at
from interactions
group by src_id, dst_id, partition_date
