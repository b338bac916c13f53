"""Questions and events that cross domains upward. A lower domain asks or announces;
a higher one, which the lower may not import, answers or reacts.

Receivers run inside the sender's transaction: what they write is committed, or rolled
back, with the change that announced it.
"""

from blinker import Namespace

_signals = Namespace()

#: Does this organisation (the sender) hold a grant? Receivers return True if so. Asked by
#: auth before a change of bank account; answered by the domains that know of grants.
organisation_has_grant = _signals.signal("organisation-has-grant")

#: Is this plan version (the sender) in use? Receivers return True if a call was opened
#: under it. Asked by the plan loader, which then refuses to change the version.
plan_version_in_use = _signals.signal("plan-version-in-use")

#: Which plan versions do the published calls use now (the sender is the moment)?
#: Receivers return plan version ids, the most relevant first (an open call's before an
#: upcoming one's). Asked by the plan's public page; answered by calls.
plan_versions_in_current_calls = _signals.signal("plan-versions-in-current-calls")

#: Does this call (the sender) have received applications without an outcome? Receivers
#: return True if so. Asked by calls before archiving; answered by decisions.
call_has_undecided_applications = _signals.signal("call-has-undecided-applications")

#: An application (the sender) was submitted, or resubmitted with an answer to an
#: information request; ``actor`` is the person who sent it.
application_submitted = _signals.signal("application-submitted")

#: A caseworker completed an assessment (the sender); ``actor`` is the caseworker.
assessment_completed = _signals.signal("assessment-completed")

#: A vedtaksbrev (the sender, a decisions Letter) was sent; ``notified_on`` is the
#: notification date. Grants makes the tilsagn of a granting vedtak from it.
decision_letter_sent = _signals.signal("decision-letter-sent")

#: A message in the outbox (the sender) was handed to the mail server.
mail_sent = _signals.signal("mail-sent")

#: Pages call ``hook(name, **context)`` in a template; a higher domain contributes HTML by
#: connecting a receiver for that name (the sender), see ``fund.core.hooks``.
template_hook = _signals.signal("template-hook")


def answered_yes(signal, sender, **kwargs) -> bool:
    """Whether any receiver of ``signal`` answers True."""
    return any(result for _receiver, result in signal.send(sender, **kwargs))
