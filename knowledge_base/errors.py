"""Errors a user can cause or fix, each described in one sentence that says what to do.

The CLI prints `str(error)` for these and never a traceback. The service layer may wrap them in its
own error types; this package does not import from `service` (dependencies point
service -> knowledge_base).
"""


class KnowledgeBaseError(Exception):
    """Base class: a problem with a knowledge base that the user can act on."""


class DocumentLoadError(KnowledgeBaseError):
    """One file could not be turned into text (corrupt, encrypted, empty, binary, too large)."""


class ManifestMismatchError(KnowledgeBaseError):
    """The index on disk was built with a different embedding model, dimension or format."""


class KnowledgeBaseNotFoundError(KnowledgeBaseError):
    """The knowledge-base folder holds no index and creating one was not asked for."""


class KnowledgeBaseLockedError(KnowledgeBaseError):
    """Another process is writing to the same knowledge base."""
