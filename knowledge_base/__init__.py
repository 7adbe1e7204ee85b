"""Documents in, ranked and citable passages out: loaders, chunking, embeddings, FAISS + BM25, CLI.

    from knowledge_base import KnowledgeBase, Passage
    kb = KnowledgeBase.open(Path("data/kb"), create=True)
    kb.ingest([Path("docs/")], progress=True)
    hits = kb.search("how do I reset my password", k=5)
    kb.is_relevant(hits)

CLI: `python -m knowledge_base ingest|search|list|remove|eval --kb DIR` (see `__main__.py`).
"""

from .documents import Passage
from .errors import KnowledgeBaseError, ManifestMismatchError
from .kb import DocumentInfo, IngestReport, KnowledgeBase
from .settings import KBSettings

__all__ = [
    "DocumentInfo",
    "IngestReport",
    "KBSettings",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "ManifestMismatchError",
    "Passage",
]
