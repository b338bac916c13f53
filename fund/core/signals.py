"""Questions and events that cross domains upward. A lower domain asks or announces;
a higher one, which the lower may not import, answers or reacts."""

from blinker import Namespace

_signals = Namespace()

#: Does this organisation (the sender) hold a grant? Receivers return True if so. Asked by
#: auth before a change of bank account; answered by the domains that know of grants.
organisation_has_grant = _signals.signal("organisation-has-grant")


def answered_yes(signal, sender, **kwargs) -> bool:
    """Whether any receiver of ``signal`` answers True."""
    return any(result for _receiver, result in signal.send(sender, **kwargs))
