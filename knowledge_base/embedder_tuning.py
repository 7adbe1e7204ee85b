"""Fine-tune the embedding model on labelled (customer query, FAQ entry) pairs: the path a company takes
with its own support logs, so that retrieval learns how its customers word things.

    python -m knowledge_base finetune-embedder --faq kb.jsonl --queries dev_queries.jsonl [...] --out DIR

Contract: `training_pairs` turns FAQ files and their labelled queries into (query, text) pairs whose texts
are exactly what the index embeds for that entry (its question alone, and question + answer: see
`chunking`), so training and search see the same inputs. `finetune` trains with in-batch negatives
(MultipleNegativesRankingLoss: every other entry of the batch is a wrong answer; a batch never holds the
same text twice) and saves a sentence-transformers directory that `ASSISTANT_KB_EMBEDDING_MODEL` accepts.
A knowledge base built with another model must be re-ingested with it (the manifest names the model).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .chunking import Chunker
from .errors import KnowledgeBaseError
from .loaders import load_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuningConfig:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-5
    max_seq_length: int = 256  # the index embeds up to the model's limit; shorter trains faster on a CPU
    seed: int = 0


def faq_texts(faq_file: Path) -> dict[str, list[str]]:
    """doc_id -> the texts the index embeds for that FAQ entry (an FAQ entry is one chunk whatever the
    chunk size)."""
    docs = load_file(faq_file, faq_file.parent, max_bytes=1 << 30)
    return {doc.doc_id: Chunker().chunks(doc)[0].embed_texts for doc in docs if doc.is_faq}


def training_pairs(faq_file: Path, queries: list[dict]) -> list[tuple[str, str]]:
    """(query, text) for each labelled query and each text its FAQ entry is embedded as."""
    texts = faq_texts(faq_file)
    unknown = sorted({q["doc_id"] for q in queries} - set(texts))
    if unknown:
        raise KnowledgeBaseError(f"{len(unknown)} labelled doc_id(s) are not entries of {faq_file}, e.g. {unknown[0]!r}.")
    return [(q["query"], text) for q in queries for text in texts[q["doc_id"]]]


def finetune(base: str, pairs: list[tuple[str, str]], out: Path, config: TuningConfig = TuningConfig(),
             cache_dir: Path = Path("data/models")) -> Path:
    """Train `base` (a bundled short name or a sentence-transformers directory) on `pairs`; save to `out`."""
    if len(pairs) < config.batch_size:
        raise KnowledgeBaseError(f"{len(pairs)} training pair(s) are fewer than one batch of {config.batch_size}.")
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers

    from .bundled_models import resolve

    model = SentenceTransformer(resolve(base, cache_dir), device="cpu")
    serving_length = model.max_seq_length
    model.max_seq_length = min(serving_length or config.max_seq_length, config.max_seq_length)
    data = Dataset.from_dict({"anchor": [q for q, _ in pairs], "positive": [t for _, t in pairs]})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate, warmup_steps=0.1, seed=config.seed, save_strategy="no", report_to=[],
        batch_sampler=BatchSamplers.NO_DUPLICATES, logging_steps=10, use_cpu=True,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data,
                                         loss=MultipleNegativesRankingLoss(model))
    trainer.train()
    model.max_seq_length = serving_length  # the index reads as far as the base model did
    model.save(str(out))
    return out
