"""The support loop's errors."""

from service.errors import AssistantError


class StoreError(AssistantError):
    """A request the store refuses (unknown conversation or turn, bad value), in one sentence."""
