"""Errors a user can cause or fix. Their message is one sentence that says what to do.

The CLI and the UI print `str(error)` and never a traceback for these.
"""


class AssistantError(Exception):
    """Base class: a problem the user can act on, described in one sentence."""


class ModelNotFoundError(AssistantError):
    """The model setting names nothing we can load."""


class BackendUnavailableError(AssistantError):
    """The model server cannot be reached, or failed to start."""


class BackendResponseError(AssistantError):
    """The model server answered, but with an error or with something that is not a valid stream."""


class BackendTimeoutError(BackendResponseError):
    """The model server did not answer in time."""
