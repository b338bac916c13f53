"""Reports: which plan measures the funded projects advance (the plan-coverage report),
and the public list of grants (LAW.md §4.M, §5). Reads every domain below it; changes
nothing."""
