-- quality.ingest_audit: per landing file, rows in = rows accepted + rows quarantined.
-- A view over raw.landed_files (each file's line count), core (the accepted rows) and staging
-- (the rejected lines), so the balance is recomputed from the data every time.
-- The block of one source; wealthgraph.ingest.rules.quality_view joins it for every landing
-- source ({same_day}: core's rows of the file's day when the source is daily).
select
    '{source}' as source,
    f.partition_date,
    f.file_name,
    f.rows_in,
    (select count(*) from core.{source} c{same_day}) as rows_accepted,
    (
        select count(*) from staging.{source} s
        where s.partition_date is not distinct from f.partition_date
    ) as rows_quarantined
from raw.landed_files f
where f.source = '{source}'
