-- quality.ingest_audit: per landing file, rows in = rows accepted + rows quarantined.
-- A view over raw, staging and core, so the balance is recomputed from the data every time.
select
    'branches' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.branches r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.branches c) as rows_in_core
from staging.branches s
group by partition_date
union all
select
    'managers' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.managers r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.managers c) as rows_in_core
from staging.managers s
group by partition_date
union all
select
    'customers' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.customers r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.customers c) as rows_in_core
from staging.customers s
group by partition_date
union all
select
    'products' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.products r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.products c) as rows_in_core
from staging.products s
group by partition_date
union all
select
    'articles' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.articles r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.articles c) as rows_in_core
from staging.articles s
group by partition_date
union all
select
    'groups' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.groups r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.groups c) as rows_in_core
from staging.groups s
group by partition_date
union all
select
    'group_members' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.group_members r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.group_members c) as rows_in_core
from staging.group_members s
group by partition_date
union all
select
    'friendships' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.friendships r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.friendships c) as rows_in_core
from staging.friendships s
group by partition_date
union all
select
    'events' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.events r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.events c where c.partition_date = s.partition_date) as rows_in_core
from staging.events s
group by partition_date
union all
select
    'snapshots' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.snapshots r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.snapshots c where c.partition_date = s.partition_date) as rows_in_core
from staging.snapshots s
group by partition_date
union all
select
    'transactions' as source,
    partition_date,
    any_value(file_name) as file_name,
    (select count(*) from raw.transactions r where r.partition_date is not distinct from s.partition_date) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.transactions c where c.partition_date = s.partition_date) as rows_in_core
from staging.transactions s
group by partition_date
