"""De minimis arithmetic on the decision date (Reg. (EU) 2023/2831), and what the
decision page suggests (excluded sectors, KDD category). Pure: plain values in, plain
values out; no database, no Flask.

Aid counts when the legal right is conferred (art. 3(4)), so every amount is counted by
its grant date within the rolling period before the decision date, and converted at the
NOK/EUR rate of the decision date. Kroner are whole; the ceiling in kroner is rounded down
(never more room than the regulation gives), euro are kept to the cent.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Aid:
    """Aid to the single undertaking: declared by the applicant, or granted here."""

    granted_on: date
    amount_nok: int


def period_start(on: date, years: int) -> date:
    """The first day of the rolling period ending on ``on``: the same date ``years``
    years before (28 February for a 29 February in a year without one)."""
    try:
        start = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        start = on.replace(year=on.year - years, day=28)
    return start


def in_period(granted_on: date, on: date, years: int) -> bool:
    """Whether aid granted on ``granted_on`` counts on ``on``: within the period, and not
    after the decision date."""
    return period_start(on, years) <= granted_on <= on


def counted_nok(aids: Iterable[Aid], on: date, years: int) -> int:
    """Kroner of aid that count towards the ceiling on ``on``."""
    return sum(aid.amount_nok for aid in aids if in_period(aid.granted_on, on, years))


def to_eur(nok: int, nok_per_eur: Decimal) -> Decimal:
    """Kroner in euro at the rate, to the cent (half up)."""
    if nok_per_eur <= 0:
        raise ValueError(f"a rate must be above zero: {nok_per_eur}")
    return (Decimal(nok) / nok_per_eur).quantize(CENT, rounding=ROUND_HALF_UP)


def ceiling_nok(ceiling_eur: int, nok_per_eur: Decimal) -> int:
    """The ceiling in whole kroner at the rate, rounded down."""
    if nok_per_eur <= 0:
        raise ValueError(f"a rate must be above zero: {nok_per_eur}")
    return int((Decimal(ceiling_eur) * nok_per_eur).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class Headroom:
    """Where an undertaking stands against the ceiling on the decision date."""

    nok_per_eur: Decimal
    counted_nok: int  #: aid already counted (declared, linked undertakings, own grants)
    ceiling_nok: int
    ceiling_eur: int

    @property
    def headroom_nok(self) -> int:
        """Kroner that can still be granted; never negative."""
        return max(self.ceiling_nok - self.counted_nok, 0)

    @property
    def counted_eur(self) -> Decimal:
        return to_eur(self.counted_nok, self.nok_per_eur)

    def fits(self, amount_nok: int) -> bool:
        return amount_nok <= self.headroom_nok


def headroom(counted: int, nok_per_eur: Decimal, ceiling_eur: int) -> Headroom:
    if counted < 0:
        raise ValueError(f"aid cannot be negative: {counted}")
    return Headroom(nok_per_eur=nok_per_eur, counted_nok=counted,
                    ceiling_nok=ceiling_nok(ceiling_eur, nok_per_eur),
                    ceiling_eur=ceiling_eur)


@dataclass(frozen=True)
class Cut:
    """What a grant becomes against the headroom: the amount granted, whether it was cut,
    and whether it is refused (over the ceiling and not cut, or nothing left)."""

    amount_nok: int
    capped: bool
    refused: bool


def apply_ceiling(amount_nok: int, room: Headroom, cap: bool) -> Cut:
    """A grant within the headroom stands; one over it is cut to the headroom when the
    manager chooses so (``cap``) and there is any, else refused."""
    if room.fits(amount_nok):
        return Cut(amount_nok, capped=False, refused=False)
    if cap and room.headroom_nok > 0:
        return Cut(room.headroom_nok, capped=True, refused=False)
    return Cut(amount_nok, capped=False, refused=True)


# Sectors the regulation does not cover (art. 1(1)), by næringskode (NACE/SN2007) -------

#: Code prefix → the kind of exclusion (the words are in ``labels.SECTOR_LABELS``).
EXCLUDED_SECTORS = {
    "03": "fisheries",  #: art. 1(1)(a): fishery and aquaculture
    "01": "agriculture",  #: art. 1(1)(b): primary production of agricultural products
    "10.2": "fish_processing",  #: processing of fish: check art. 1(1)(a)
    "10": "agri_processing",  #: processing of agricultural products: art. 1(1)(c)
    "11": "agri_processing",
}


def excluded_sectors(industry_code: str | None) -> list[str]:
    """The exclusions a næringskode is flagged for (the longest matching prefix); empty
    for a code outside them, or no code."""
    code = (industry_code or "").strip()
    if not code:
        return []
    for prefix in sorted(EXCLUDED_SECTORS, key=len, reverse=True):
        if code == prefix or code.startswith(prefix + ".") or \
                (len(prefix) > 2 and code.startswith(prefix)):
            return [EXCLUDED_SECTORS[prefix]]
    return []


# KDD's category ------------------------------------------------------------------------

#: A firm younger than this (in years) on the decision date is «1310 Bedrifter yngre enn
#: 5 år»; older, «1110 Direkte støtte til etablerte bedrifter».
YOUNG_YEARS = 5


def suggest_kdd(founded_on: date | None, on: date, cooperation: bool) -> str | None:
    """KDD's primærkategori to suggest: 1245 for a cooperation project, else by the firm's
    age on the decision date; None when the age is unknown (the caseworker chooses)."""
    if cooperation:
        return "1245"
    if founded_on is None:
        return None
    return "1310" if founded_on > period_start(on, YOUNG_YEARS) else "1110"
