"""Case handling: conflicts of interest, assessments and scores, ranking."""
