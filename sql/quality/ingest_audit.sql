-- quality.ingest_audit: per landing file, rows in = rows accepted + rows quarantined.
-- A view over raw, staging and core, so the balance is recomputed from the data every time.
-- The block of one source; wealthgraph.ingest.rules.quality_view joins it for every landing
-- source ({same_day}: core's rows of the file's day when the source is daily).
select
    '{source}' as source,
    partition_date,
    any_value(file_name) as file_name,
    (
        select count(*) from raw.{source} r
        where r.partition_date is not distinct from s.partition_date
    ) as rows_in,
    count(*) filter (where reject_reason is null) as rows_accepted,
    count(*) filter (where reject_reason is not null) as rows_quarantined,
    (select count(*) from core.{source} c{same_day}) as rows_in_core
from staging.{source} s
group by partition_date
