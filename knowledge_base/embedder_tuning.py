"""Fine-tune the embedding model on labelled (customer query, FAQ entry) pairs: the path a company takes
with its own support logs, so that retrieval learns how its customers word things.

    python -m knowledge_base finetune-embedder --set kb.jsonl dev_queries.jsonl [--set ...] --out DIR

Contract: `training_pairs` turns FAQ files and their labelled queries into (query, text) pairs: the query as
search normalises it, and its entry's question + answer exactly as the index embeds it (see `chunking`; the
question-alone vector shares the encoder). One text per entry, because `finetune` trains with in-batch
negatives (MultipleNegativesRankingLoss, batches that never hold the same text twice): every other text of
a batch is then another entry, a true wrong answer; two texts of one entry would push a query away from its
own entry. The result is a sentence-transformers directory that `ASSISTANT_KB_EMBEDDING_MODEL` accepts; a
knowledge base built with another model must be re-ingested with it (the manifest names the model).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .chunking import Chunker
from .errors import KnowledgeBaseError
from .loaders import load_file
from .retrieval import normalize_query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuningConfig:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-5
    max_seq_length: int = 256  # the index embeds up to the model's limit; shorter trains faster on a CPU
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2:
            raise KnowledgeBaseError(
                f"Fine-tuning needs at least 1 epoch and batches of 2 or more (got {self.epochs} and {self.batch_size})."
            )


def faq_texts(faq_file: Path) -> dict[str, str]:
    """doc_id -> the question + answer text the index embeds for that FAQ entry (an FAQ entry is one chunk
    whatever the chunk size; its last embedded text is the whole entry)."""
    docs = load_file(faq_file, faq_file.parent, max_bytes=1 << 30)
    return {doc.doc_id: Chunker().chunks(doc)[0].embed_texts[-1] for doc in docs if doc.is_faq}


def training_pairs(faq_file: Path, queries: list[dict]) -> list[tuple[str, str]]:
    """(normalised query, its entry's text) for each labelled query."""
    texts = faq_texts(faq_file)
    unknown = sorted({q["doc_id"] for q in queries} - set(texts))
    if unknown:
        raise KnowledgeBaseError(f"{len(unknown)} labelled doc_id(s) are not entries of {faq_file}, e.g. {unknown[0]!r}.")
    return [(normalize_query(q["query"]), texts[q["doc_id"]]) for q in queries]


def finetune(base: str, pairs: list[tuple[str, str]], out: Path, config: TuningConfig = TuningConfig(),
             cache_dir: Path = Path("data/models")) -> Path:
    """Train `base` (a bundled short name or a sentence-transformers directory) on `pairs`; save to `out`."""
    if len(pairs) < config.batch_size:
        raise KnowledgeBaseError(f"{len(pairs)} training pair(s) are fewer than one batch of {config.batch_size}.")
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from .embeddings import SentenceTransformerEmbedder

    # Loaded as the index loads it: offline, bundled names resolved, a bad name is one sentence.
    model = SentenceTransformerEmbedder(base, cache_dir=cache_dir).model
    serving_length = model.max_seq_length
    model.max_seq_length = min(serving_length or config.max_seq_length, config.max_seq_length)
    data = Dataset.from_dict({"anchor": [q for q, _ in pairs], "positive": [t for _, t in pairs]})
    with tempfile.TemporaryDirectory() as scratch:  # the trainer wants a folder even when it saves nothing
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch, num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate, warmup_steps=0.1, seed=config.seed, save_strategy="no", report_to=[],
            batch_sampler=BatchSamplers.NO_DUPLICATES, logging_steps=10, use_cpu=True,
        )
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data,
                                             loss=MultipleNegativesRankingLoss(model))
        trainer.train()
    model.max_seq_length = serving_length  # the index reads as far as the base model did
    model.save(str(out))
    return out
