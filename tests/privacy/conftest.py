"""The decided call of tests/decisions, its letters sent on 11 May 2027: applicant C
(Gamma AS) was refused, applicant A (Alfa AS) holds a tilsagn still to be accepted."""

from tests.decisions.conftest import decided, sent  # noqa: F401 (fixtures)
