-- quality.quarantine: every landed line that was not accepted, with its file, line and reason.
-- A view over the staging tables, so it can never disagree with them. The block of one
-- source; wealthgraph.ingest.rules.quality_view joins it for every landing source.
select
    '{source}' as source, partition_date, file_name, line_no, line_text, reject_reason as reason
from staging.{source} where reject_reason is not null
