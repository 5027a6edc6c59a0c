-- staging.events: the rules a line of a day's events file must pass, in order, as WHEN clauses.
-- target_kind and amount_required come from core.event_types by event_type (null: unknown
-- type); wealthgraph.ingest.rules fills in the unknown-id rules (target_id's table by
-- target_kind, landing.EVENT_TARGETS) and adds the duplicate-key rules: an event_id repeated
-- in the batch or already ingested on another day.
when amount_required is null then 'unknown event_type: ' || event_type
{unknown user_id}
when ts::date <> partition_date then 'timestamp outside partition: ' || ts
when target_kind is not null and target_id is null then 'missing field: target_id'
when target_kind = 'customer' and target_id = user_id then 'target_id is the user'
{unknown target_id}
when target_kind = 'service' and target_id <> '95588'
    then 'unknown target_id (service desk): ' || target_id
{unknown manager_id}
when event_type = 'manager_recommend' and manager_id is null then 'missing field: manager_id'
{unknown via_user_id}
when amount_required and amount is null then 'missing field: amount'
-- one hundred million yuan is beyond any single retail movement
when amount <= 0 or amount > 100000000 then 'impossible amount: ' || amount
when event_type = 'scenario_payment'
    and coalesce(category, '') not in (select value from core.enums where domain = 'scenario')
    then 'unknown scenario category: ' || coalesce(category, 'null')
when event_type = 'manager_rating' and coalesce(rating, 0) not between 1 and 5
    then 'impossible rating: ' || coalesce(rating::varchar, 'null')
when channel not in (select value from core.enums where domain = 'channel')
    then 'unknown channel: ' || channel
when device not in (select value from core.enums where domain = 'device')
    then 'unknown device: ' || device
