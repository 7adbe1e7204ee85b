"""One typed settings object for the knowledge base, and the one-sentence report of a bad setting.

Every field can be set from the environment with the `ASSISTANT_KB_` prefix
(e.g. `ASSISTANT_KB_INDEX_TYPE=hnsw`); CLI flags override it. The folders default to places inside
the project's data directory (`ASSISTANT_DATA_DIR`, default `data`). Defaults are the configuration that
measured best on the shared FAQ evaluation sets (see README, "Knowledge base").
"""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# mpnet met the retrieval targets on the shared FAQ sets where MiniLM did not (README, "Knowledge
# base"); MiniLM stays available and is about 5x faster to embed.
DEFAULT_EMBEDDING_MODEL = "all-mpnet-base-v2"


class KBSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_KB_", protected_namespaces=())

    data_dir: Path = Field(
        Path("data"), validation_alias=AliasChoices("data_dir", "ASSISTANT_DATA_DIR"),
        description="The project's data directory (ASSISTANT_DATA_DIR); the default home of the folders below.",
    )
    kb_dir: Path | None = Field(None, description="Folder holding the index (--kb); default: DATA_DIR/kb.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="all-mpnet-base-v2 or all-MiniLM-L6-v2 (bundled, offline), a local sentence-transformers directory, or a model id.",
    )
    model_cache: Path | None = Field(
        None, description="Where a bundled model that ships as split archives is extracted once; default: DATA_DIR/models."
    )
    device: str = Field("cpu", description="torch device for the embedding model, e.g. cpu or cuda.")
    batch_size: int = Field(32, ge=1, description="Chunks embedded per batch during ingestion.")
    chunk_tokens: int = Field(
        200, ge=16, description="Largest chunk in embedding-model tokens; MiniLM reads at most 256, mpnet 384."
    )
    chunk_overlap: int = Field(40, ge=0, description="Tokens repeated from the end of one chunk at the start of the next.")
    index_type: Literal["auto", "flat", "hnsw"] = Field(
        "auto",
        description="auto: exact up to exact_search_max_vectors, HNSW above; flat: always exact; hnsw: always approximate.",
    )
    # bench/retrieval.py: an exact FAISS scan of one query costs ~1.5 ms at 10k vectors and ~30 ms at 100k on
    # 2 cores, while HNSW stays under 1 ms with recall@10 1.000 against exact; 20k keeps typical bases exact.
    exact_search_max_vectors: int = Field(
        20_000, ge=0, description="index_type=auto: largest base searched exactly; above it HNSW is used."
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree (index_type=hnsw).")
    hnsw_ef_search: int = Field(128, ge=8, description="HNSW search breadth; higher is more exact and slower.")
    hnsw_ef_construction: int = Field(80, ge=8, description="HNSW build breadth.")
    retrieval: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="hybrid: dense and BM25 scores fused; dense or lexical alone."
    )
    lexical_weight: float = Field(
        0.05, ge=0.0, description="Weight of the max-normalised BM25 score added to the cosine score in hybrid mode."
    )
    cjk_lexical_weight: float = Field(
        1.0, ge=0.0, description="BM25 weight for mostly-Chinese queries, where an English embedding model is weak."
    )
    cjk_name_weight: float = Field(
        0.5,
        ge=0.0,
        description="Added to the score of a chunk that names a product or programme (the base's vocabulary) a "
        "mostly-Chinese query names, where an English embedding model cannot tell which product it is about.",
    )
    relevance_threshold: float = Field(
        0.35, description="Best hit's cosine similarity below which the chat layer should say it has no good answer."
    )
    lexical_relevance: float = Field(
        8.0, description="BM25 score of the best hit above which it counts as relevant even with a low cosine."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused (one-line failure).")
    parse_timeout_s: float = Field(60.0, gt=0, description="Longest a file may take to read; a slower one fails alone.")
    parse_memory_mb: int = Field(
        1024, ge=64, description="Most memory reading one file may take (a child process's limit); more fails that file."
    )
    isolate_parsing: bool = Field(
        True, description="Read each file in a child process with those limits (off: in this process, for debugging)."
    )

    @model_validator(mode="after")
    def _folders_in_data_dir(self) -> "KBSettings":
        if self.kb_dir is None:
            self.kb_dir = self.data_dir / "kb"
        if self.model_cache is None:
            self.model_cache = self.data_dir / "models"
        return self

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "KBSettings":
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"--chunk-overlap ({self.chunk_overlap}) must be smaller than --chunk-tokens ({self.chunk_tokens})."
            )
        return self


def settings_error(error: ValidationError, env_prefix: str = "ASSISTANT_KB_") -> str:
    """One sentence for the first bad value: the environment variable and the flag it can come from.

    Shared by every entry point of the project (the service passes its own prefix), so a bad
    `ASSISTANT_PORT=eighty` reads the same in the app, the CLIs and fine-tuning.
    """
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ").rstrip(".")
    field_name = "_".join(str(x) for x in first["loc"]) if first["loc"] else ""
    if not field_name:
        return f"Invalid settings: {message}."
    variable = field_name if field_name.isupper() else env_prefix + field_name.upper()
    flag = "--" + field_name.lower().removeprefix(env_prefix.lower()).replace("_", "-")
    value = first.get("input")
    shown = f" (got {value!r})" if isinstance(value, (str, int, float)) else ""
    return f"Invalid setting {variable} or {flag}{shown}: {message}."
