-- staging.events: every line of one batch of days' events files, typed, with the first reason
-- it is rejected (null = accepted). `typed` holds the batch's lines parsed by
-- wealthgraph.ingest.parse, one row per line, `row_id` naming it.
with candidates as (
    -- copies are counted among lines that are well formed and inside their day: a copy landed
    -- in another day's file is rejected for that, and must not take the original down too
    select
        row_id,
        event_id,
        partition_date,
        line_no
    from typed
    where problem is null and ts::date = partition_date
),

repeated as (
    -- ids seen more than once in the batch: only their lines need numbering
    select event_id
    from candidates
    group by event_id
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by event_id order by partition_date, line_no) as copy_no
    from candidates
    where event_id in (select event_id from repeated)
),

ingested_before as (
    -- ids of this batch already accepted on a day outside it: only core's rows within the
    -- batch's id range ($low_id..$high_id, constants, so the scan skips the other row groups
    -- by their min/max) can be, then an exact match
    select distinct events.event_id
    from core.events
    where
        events.event_id between $low_id and $high_id
        and events.partition_date not in (select distinct partition_date from typed)
        and events.event_id in (select event_id from typed)
),

checked as (
    select
        typed.*,
        event_types.target_kind,
        event_types.amount_required,
        coalesce(copies.copy_no, 1) as copy_no
    from typed
    left join core.event_types using (event_type)
    left join copies using (row_id)
),

final as (
    select
        checked.* exclude (problem, target_kind, amount_required, copy_no),
        coalesce(problem, case
            when amount_required is null then 'unknown event_type: ' || event_type
            when user_id not in (select customer_id from core.customers)
                then 'unknown user_id: ' || user_id
            when ts::date <> partition_date then 'timestamp outside partition: ' || ts
            when target_kind is not null and target_id is null then 'missing field: target_id'
            when target_kind = 'customer' and target_id = user_id then 'target_id is the user'
            when target_kind = 'customer'
                and target_id not in (select customer_id from core.customers)
                then 'unknown target_id (customer): ' || target_id
            when target_kind = 'manager'
                and target_id not in (select manager_id from core.managers)
                then 'unknown target_id (manager): ' || target_id
            when target_kind = 'group' and target_id not in (select group_id from core.groups)
                then 'unknown target_id (group): ' || target_id
            when target_kind = 'article'
                and target_id not in (select article_id from core.articles)
                then 'unknown target_id (article): ' || target_id
            when target_kind = 'product'
                and target_id not in (select product_id from core.products)
                then 'unknown target_id (product): ' || target_id
            when target_kind = 'official_account'
                and target_id not in (select official_account_id from core.articles)
                then 'unknown target_id (official account): ' || target_id
            when target_kind = 'service' and target_id <> '95588'
                then 'unknown target_id (service desk): ' || target_id
            when manager_id not in (select manager_id from core.managers)
                then 'unknown manager_id: ' || manager_id
            when event_type = 'manager_recommend' and manager_id is null
                then 'missing field: manager_id'
            when via_user_id not in (select customer_id from core.customers)
                then 'unknown via_user_id: ' || via_user_id
            when amount_required and amount is null then 'missing field: amount'
            -- one hundred million yuan is beyond any single retail movement
            when amount <= 0 or amount > 100000000 then 'impossible amount: ' || amount
            when event_type = 'scenario_payment'
                and coalesce(category, '') not in (
                    select value from core.enums where domain = 'scenario'
                )
                then 'unknown scenario category: ' || coalesce(category, 'null')
            when event_type = 'manager_rating' and coalesce(rating, 0) not between 1 and 5
                then 'impossible rating: ' || coalesce(rating::varchar, 'null')
            when channel not in (select value from core.enums where domain = 'channel')
                then 'unknown channel: ' || channel
            when device not in (select value from core.enums where domain = 'device')
                then 'unknown device: ' || device
            when copy_no > 1 then 'duplicate event_id: ' || event_id
            when event_id in (select event_id from ingested_before)
                then 'duplicate event_id: already ingested for another day'
        end) as reject_reason
    from checked
)

select * from final
