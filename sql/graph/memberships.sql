-- graph.memberships: who is in which group as of $as_of: the reference state at the start of
-- the landed window, then group_join / group_leave events up to $as_of (the last one wins).
with changes as (
    select
        user_id as customer_id,
        target_id as group_id,
        arg_max(event_type, ts) as last_change,
        max(ts) as changed_at
    from core.events
    where event_type in ('group_join', 'group_leave')
        and ts < $as_of::date + 1
    group by all
),

initial as (
    select customer_id, group_id, joined_at
    from core.group_members
    where joined_at <= $as_of::date
),

final as (
    select
        coalesce(initial.customer_id, changes.customer_id) as customer_id,
        coalesce(initial.group_id, changes.group_id) as group_id,
        coalesce(initial.joined_at, changes.changed_at::date) as joined_at
    from initial
    full join changes using (customer_id, group_id)
    where coalesce(changes.last_change, 'group_join') = 'group_join'
)

select
    final.*,
    $as_of::date as as_of
from final
