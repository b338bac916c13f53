"""The one base of every refusal a domain operation gives: a message for the user."""


class DomainError(ValueError):
    """An operation refused to change state; ``str(error)`` is the Norwegian message."""
