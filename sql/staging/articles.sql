-- staging.articles: every line of reference/articles, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    -- every rule but the correction order
    select
        typed.* exclude (problem),
        coalesce(problem, case
            when author_manager_id not in (select manager_id from core.managers)
                then 'unknown author_manager_id: ' || author_manager_id
            when product_id not in (select product_id from core.products)
                then 'unknown product_id: ' || product_id
        end) as reason
    from typed
),

winners as (
    -- ids with more than one valid line, and the line that wins: the later one
    -- (wealthgraph.landing.CORRECTION_ORDER)
    select
        article_id,
        max(line_no) as winner
    from checked
    where reason is null
    group by article_id
    having count(*) > 1
)

select
    checked.* exclude (reason),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || article_id || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using (article_id)
