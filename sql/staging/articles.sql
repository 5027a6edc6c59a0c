-- staging.articles: the rules a line of reference/articles must pass, in order, as WHEN clauses
-- (wealthgraph.ingest.rules fills in the unknown-id rules and adds the correction order).
{unknown author_manager_id}
{unknown product_id}
