"""What the context figures (fund/reports/models.py) are called on screen and in the
files."""

from flask_babel import lazy_gettext as _l

from fund.reports.models import ContextKind

CONTEXT_KIND_LABELS = {
    ContextKind.NHO_KOMMUNE_NM_RANK: _l("Plassering i NHO Kommune-NM"),
    ContextKind.SSB_KNOWLEDGE_JOBS: _l("Sysselsatte i kunnskapsintensive næringer (SSB, "
                                       "3205)"),
    ContextKind.SSB_HIGHER_EDUCATION_PERCENT: _l("Andel innbyggere med høyere utdanning "
                                                 "(SSB, 3205)"),
}

#: What the form says about each kind: what to enter.
CONTEXT_KIND_HINTS = {
    ContextKind.NHO_KOMMUNE_NM_RANK: _l("Plassen blant alle kommunene, 1 er best."),
    ContextKind.SSB_KNOWLEDGE_JOBS: _l("Antall sysselsatte, et helt tall."),
    ContextKind.SSB_HIGHER_EDUCATION_PERCENT: _l("Prosent, med høyst én desimal, "
                                                 "for eksempel 41,2."),
}
