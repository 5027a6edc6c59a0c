-- features.manager_inquiries: one row per customer inquiry to their relationship manager, up to
-- $as_of. An inquiry is the run of customer messages to a manager until the manager's next
-- message in that chat; its response time runs from the run's first message to that reply.
-- Manager messages with no open inquiry (greetings, campaigns) are proactive, not replies.
-- An inquiry with no reply yet stays open (replied_at null) rather than being dropped.
with chat as (
    select
        user_id as customer_id,
        manager_id,
        ts,
        event_type = 'message_from_manager' as from_manager
    from core.events
    where event_type in ('message_manager', 'message_from_manager')
        and manager_id is not null
        and ts < $as_of::date + 1
),

asks as (
    -- the customer's message sorts first on an equal timestamp: a same-second reply answers it
    select
        customer_id,
        manager_id,
        ts,
        from_manager,
        min(ts) filter (where from_manager) over (
            partition by customer_id, manager_id
            order by ts, from_manager
            rows between current row and unbounded following
        ) as replied_at
    from chat
),

final as (
    select
        customer_id,
        manager_id,
        min(ts) as asked_at,
        replied_at,
        count(*) as messages,
        date_diff('second', min(ts), replied_at) / 60.0 as response_minutes,
        $as_of::date as as_of
    from asks
    where not from_manager
    group by customer_id, manager_id, replied_at
)

select * from final
