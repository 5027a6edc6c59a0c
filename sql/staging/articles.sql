-- staging.articles: every line of reference/articles, typed, with the first reason it is
-- rejected (null = accepted).
with checked as (
    select
        typed.*,
        row_number() over (partition by typed.article_id order by typed.line_no) as copy_no
    from typed
)

select
    checked.* exclude (problem, copy_no),
    coalesce(problem, case
        when author_manager_id not in (select manager_id from core.managers)
            then 'unknown author_manager_id: ' || author_manager_id
        when product_id not in (select product_id from core.products)
            then 'unknown product_id: ' || product_id
        when copy_no > 1 then 'duplicate article_id: ' || article_id
    end) as reject_reason
from checked
