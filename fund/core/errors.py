"""The one base of every refusal a domain operation gives: a message for the user."""


class DomainError(ValueError):
    """An operation refused to change state; ``str(error)`` is the Norwegian message.
    ``field``: the name of the form field the refusal is about, when it is about one (the
    message is then shown on that field, not only above the form)."""

    def __init__(self, *args, field: str | None = None):
        super().__init__(*args)
        self.field = field
