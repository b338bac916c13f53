"""Case handling: conflicts of interest, assessments and scores, ranking."""

from fund.review import figures as _figures  # noqa: F401  (keeps the stored figures)
