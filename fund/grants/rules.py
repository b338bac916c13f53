"""The money rules of a grant, pure (no database): how much may be paid before the final
report, what the grant becomes when the real costs are lower, and the last payment.
Amounts are whole kroner; a share of kroner is rounded down (the municipality never pays
an øre more than the rule gives)."""


def advance_ceiling(granted: int, percent: int) -> int:
    """The most that may be paid before the final report: ``percent`` % of the grant."""
    return granted * percent // 100


def eligible_amount(granted: int, approved_costs: int, real_costs: int) -> int:
    """The grant after the final report: reduced in proportion when the real costs are
    below the approved budget, never raised when they are above it."""
    if approved_costs <= 0 or real_costs >= approved_costs:
        return granted
    return granted * max(real_costs, 0) // approved_costs


def final_payment(eligible: int, paid: int) -> int:
    """What the approved final report releases: the eligible amount less what is paid.
    Negative when more was paid than is due (then a recovery is needed)."""
    return eligible - paid


def payable(granted: int, paid: int, pending: int) -> int:
    """What is left of the grant to pay: the grant less what is paid and what is
    approved and waiting to be paid."""
    return max(granted - paid - pending, 0)
