-- quality.quarantine: every landed line that was not accepted, with its file, line and reason.
-- A view over the staging tables, so it can never disagree with them.
select 'branches' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.branches where reject_reason is not null
union all
select 'managers' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.managers where reject_reason is not null
union all
select 'customers' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.customers where reject_reason is not null
union all
select 'products' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.products where reject_reason is not null
union all
select 'articles' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.articles where reject_reason is not null
union all
select 'groups' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.groups where reject_reason is not null
union all
select 'group_members' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.group_members where reject_reason is not null
union all
select 'friendships' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.friendships where reject_reason is not null
union all
select 'events' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.events where reject_reason is not null
union all
select 'snapshots' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.snapshots where reject_reason is not null
union all
select 'transactions' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.transactions where reject_reason is not null
