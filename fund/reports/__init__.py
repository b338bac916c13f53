"""Reports: which plan measures the funded projects advance (the plan-coverage report),
and the public list of grants (LAW.md §4.M, §5). Reads every domain below it and changes
none of them; a session event of its own marks, in the writer's transaction, that what the
report reads has changed (``fund.reports.freshness``)."""
