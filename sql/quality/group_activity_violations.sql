-- quality.group_activity_violations: rows of marts.group_activity on $as_of that break a rule
-- (check name and an example each); members are recounted from graph.memberships.
with groups as (
    select * from marts.group_activity where as_of = $as_of::date
),

violations as (
    select 'one_row_per_group' as check_name, group_id as example
    from groups
    group by group_id
    having count(*) > 1

    union all
    select 'member_counts_within_members', group_id
    from groups
    where greatest(new_members_30d, active_members_30d, members_with_wealth_products) > members

    union all
    select 'every_membership_counted', members || ' members, ' || memberships || ' memberships'
    from (
        select
            (select coalesce(sum(members), 0) from groups) as members,
            (select count(*) from graph.memberships where as_of = $as_of::date) as memberships
    )
    where members is distinct from memberships
)

select check_name, example from violations
