"""Every setting of the service layer and the app, each value defined once.

Three objects read the environment with the one prefix `ASSISTANT_`; each field belongs to exactly one:
- `Settings`: the model and how it is served (vLLM server, in-process engine, client timeouts);
- `AssistantSettings`: how questions are answered (company, retrieval depth, generation defaults);
- `AppSettings`: the web app only (listening address, admin login, queue and concurrency).
CLI flags override the environment. A bad value is reported as one sentence naming the variable and the
flag (`settings_error`). The defaults are the CPU settings that measured best (README, "Performance").
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge_base.settings import settings_error as _settings_error
from service.adapters import served_adapters
from service.contacts import ContactAllowList
from service.models import BUNDLED_NAME

ENV_PREFIX = "ASSISTANT_"


class Settings(BaseSettings):
    """The model and how it is served. `data_dir` holds converted models, knowledge bases, logs and the
    conversation store; nothing else in the project hard-codes that folder."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, protected_namespaces=(), extra="ignore")

    model: str = Field(
        BUNDLED_NAME, description="A bundled model's name, a local checkpoint directory, or a Hugging Face model id."
    )
    data_dir: Path = Field(Path("data"), description="Where converted models, knowledge bases and logs live.")
    engine: Literal["vllm", "local", "scripted"] = Field(
        "vllm",
        description="vllm: a managed vLLM server (or --llm-url); local: in-process transformers; "
        "scripted: canned answers, no model (development and fast tests).",
    )
    llm_url: str | None = Field(
        None, description="Base URL of an existing OpenAI-compatible server, e.g. http://host:8000/v1."
    )
    api_key: str | None = Field(None, description="Bearer token for --llm-url, if the server needs one.")

    # Managed vLLM server.
    host: str = Field("127.0.0.1", description="Interface the managed vLLM server listens on.")
    port: int = Field(8011, description="Port of the managed vLLM server.")
    dtype: str = Field(
        "auto",
        description=(
            "Weights/activation dtype for vLLM. auto: bfloat16 on CPUs with native bf16 (AVX512-BF16 or AMX), float32 "
            "on other CPUs (bf16 is emulated there), the checkpoint's own dtype on a GPU."
        ),
    )
    max_model_len: int = Field(2048, ge=256, description="Context window in tokens (prompt + answer), server and prompts alike.")
    kv_cache_gb: int = Field(2, description="KV-cache size in whole GiB for vLLM on CPU (VLLM_CPU_KVCACHE_SPACE).")
    max_num_seqs: int = Field(16, description="Most sequences vLLM batches together.")
    async_scheduling: bool = Field(
        True, description="Let vLLM schedule the next step while the current one runs (measured faster here)."
    )
    cpu_threads: int | None = Field(None, description="Torch threads for the in-process engine; default: all cores.")
    vllm_reserved_cpus: int | None = Field(
        None, description="Cores vLLM on CPU keeps free for its scheduler and API server; the rest run the model."
    )
    vllm_block_size: int | None = Field(
        None, ge=1,
        description="Tokens per KV-cache block of the managed vLLM server; default: 32 on the CPU build (vLLM's 128 "
        "there is longer than the prompt opening every question shares, so its prefix cache served none of it), "
        "vLLM's own elsewhere.",
    )
    quantization: Literal["none", "bitsandbytes"] = Field(
        "none", description="bitsandbytes: load the model in 4-bit NF4 (GPU for vLLM; CPU too for --engine local)."
    )
    adapters: dict[str, Path] = Field(default_factory=dict, description="LoRA adapters to serve, by name.")
    runtime_lora: bool = Field(
        False, description="Let the running server load more adapters (POST /v1/load_lora_adapter); enables LoRA."
    )
    max_lora_rank: int = Field(32, description="Largest LoRA rank the server accepts (8, 16, 32, 64, ...).")
    # Off by default: the grounded 1.5B adapter doubles the Chinese questions answered right but answers about half of
    # the Chinese ones the documents do not cover, where the base declines them all (README, "Choosing the model").
    bundled_adapters: bool = Field(
        False,
        description="Serve the adapters the repository ships for the bundled model (service.bundled_adapters: on a CPU "
        "merged, on a vLLM server of their own) and answer their languages with them, unless answer_models says otherwise.",
    )
    extra_models: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: further models, each served by a vLLM server of its own and selected by name like an '
        'adapter: {"NAME": MODEL} starts one (a bundled model, a checkpoint folder such as an adapter merged with '
        '`python -m finetune merge`, or a hub id) on `port` + 1, + 2, ... in order; {"NAME": "http://host:port/v1"} '
        "uses a running one. For adapters on a CPU, where vLLM's LoRA is slow.",
    )
    tensor_parallel_size: int = Field(1, description="GPUs to shard the model over (vLLM tensor parallelism).")
    startup_timeout_s: float = Field(900.0, description="How long to wait for the vLLM server to become healthy.")

    # Client.
    connect_timeout_s: float = Field(5.0, description="Seconds to wait for a TCP connection to the model server.")
    first_token_timeout_s: float = Field(
        120.0, description="Seconds to wait for the first (and each next) chunk of a streamed answer."
    )

    db_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the conversation store, e.g. postgresql+psycopg://user:pw@host/db for several "
        "app replicas; default: SQLite at DATA_DIR/conversations.sqlite3.",
    )

    @property
    def managed_url(self) -> str:
        """The base URL (ending in /v1) of the managed vLLM server."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def served_adapters(self) -> dict[str, Path]:
        """The configured adapters and those promoted since (`python -m service promote`), by name."""
        return {**served_adapters(self.data_dir), **self.adapters}

    @property
    def store_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'conversations.sqlite3'}"


class AnswerSampling(BaseModel):
    """vLLM sampling settings of one answer language (`AssistantSettings.answer_sampling`); None: the server's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_k: int | None = Field(None, ge=1, description="Sample from this many likeliest tokens.")
    repetition_penalty: float | None = Field(None, gt=0.0, description="1.0 for none; above 1 discourages repeats.")


class AssistantSettings(BaseSettings):
    """How questions are answered: the company the prompts speak for, retrieval depth, prompt sizes and the
    generation defaults every scenario and the `chat` CLI start from."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, protected_namespaces=(), extra="ignore")

    company: str = Field("our company", description="Company name the prompts speak for.")
    max_input_chars: int = Field(2000, ge=1, description="Longest message accepted; longer ones never reach the model.")
    top_k: int = Field(4, ge=0, description="Passages retrieved per question.")
    # bench/passage_margin.py: 0.3 is the smallest margin that keeps the answering passage for >= 99% of the
    # shared FAQ sets' tune queries (100% on the unseen ones); it halves Chinese prompts (bench/prompt_ttft.py).
    passage_margin: float | None = Field(
        0.3, ge=0.0,
        description="Passages scoring more than this below the best one are left out of the prompt (none: all top_k).",
    )
    # Session 46 (docs/knowledge-base.md, "Passages re-ranked by their closest sentence"): at 0.5 the passage that
    # answers comes first for 43 of the 51 English dev questions instead of 38 (held-out 13 of 18 instead of 10),
    # prompts hold fewer passages and the first token comes sooner, but the bundled 1.5B answered 3 more English dev
    # questions right and 6 fewer (one at a time, paired): off by default, a switch for a model that reads better.
    sentence_rerank: float = Field(
        0.0, ge=0.0,
        description="Weight of a passage's closest sentence to the message in its score, for all but Chinese messages "
        "(service.reranking; 0, the default: passages in retrieval's order).",
    )
    # Session 32 (docs/answer-quality.md): Chinese answers from at most two passages were right as often as from
    # four (the 51 Chinese dev questions, paired runs: 0.505 -> 0.510 of 204 with k = 2, 0.490 -> 0.500 of 102 with
    # this cap), with 8% fewer prompt tokens and a 7% sooner first token (bench/prompt_ttft.py); the answering
    # passage stays in the prompt as often (bench/qa_retrieval.py). English at two loses it for 4 of 51 dev questions.
    prompt_passages: dict[str, PositiveInt] = Field(
        default_factory=lambda: {"zh": 2},
        description='JSON: per answer language, the most passages put into an answer\'s prompt, best first (e.g. '
        '{"zh": 2}); other languages get every passage top_k and passage_margin keep.',
    )
    worked_examples: list[str] = Field(
        default_factory=list,
        description='JSON list of the answer languages whose prompts show the model worked examples first (a question '
        'declined and one answered from its passages, service.prompts.WORKED_EXAMPLES), e.g. ["zh"]. Off: with the '
        'bundled 1.5B they turn Chinese declines into right answers and wrong ones alike, and English answers worse '
        '(docs/answer-quality.md, sessions 35 and 36).',
    )
    content_examples: bool = Field(
        True,
        description="Show the model worked reply e-mails before a reply e-mail's brief (service.prompts."
        "REPLY_EMAIL_EXAMPLES): without them the bundled 1.5B wrote half its reply drafts as the customer "
        "(docs/answer-quality.md, session 60). Off for a model that needs no examples, to save their prompt tokens.",
    )
    max_passage_chars: int = Field(900, ge=100, description="Longest passage text put into a prompt.")
    snippet_chars: int = Field(220, ge=40, description="Length of the source snippets shown under an answer.")
    max_tokens: int = Field(256, ge=1, description="Default answer length in tokens.")
    temperature: float = Field(0.3, ge=0.0, le=2.0, description="Default sampling temperature.")
    # None by default: Qwen's recommended top_k 20 and repetition penalty 1.05 cost the bundled 1.5B right English
    # answers (0.710 -> 0.629 of 62 dev questions, p 0.03; the penalty also weighs on the passage words an answer
    # copies) and changed nothing measurable in Chinese over two seeds (docs/answer-quality.md, session 28). For a
    # model that repeats itself.
    answer_sampling: dict[str, AnswerSampling] = Field(
        default_factory=dict,
        description='JSON: per answer language, vLLM sampling settings for customer-service answers ("top_k", '
        '"repetition_penalty"); other languages get the server\'s defaults. A request that sets one keeps its own.',
    )
    answer_models: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: per answer language, the served model customer-service answers use (an adapter\'s name or '
        'one of the extra models), e.g. {"zh": "grounded"}; other languages get the base model. A request that names '
        "a model keeps its own.",
    )
    glossary: Path | None = Field(None, description="JSON glossary ({terms: [...], pairs: [{en, zh}]}) for translation.")
    faq_direct: bool = Field(True, description="Answer with an FAQ entry's curated answer when the question matches it.")
    faq_direct_threshold: float = Field(
        0.90, ge=0.0, le=1.0,
        description="Cosine similarity of the question to an FAQ entry's question above which its answer is given directly.",
    )
    guard: bool = Field(True, description="Check generated answers against their passages; replace those that fail.")
    answer_check: bool = Field(
        False, description="Ask the model first whether the passages answer the question, and decline when it says "
        "they do not (service.answerability). Off by default: the bundled 1.5B model almost always says they do "
        "(README, \"Answers customers can trust\"); worth trying with a larger model.",
    )
    answer_confidence: bool = Field(
        True, description="With the guard: replace the generated answers the model was least sure of (the mean "
        "log-probability of their tokens below min_answer_logprob) like unsupported ones (service.confidence).",
    )
    min_answer_logprob: float | None = Field(
        None, le=0.0,
        description="The floor for answer_confidence, for whichever model answers (adapters included); default: the "
        "bundled model's, for its own answers, calibrated with bench/confidence.py (models without one, and adapters, "
        "are not judged this way).",
    )
    faq_copy_min_similarity: float | None = Field(
        0.55, ge=-1, le=1,
        description="With the guard: a generated answer that copies an FAQ entry's answer is declined (a person "
        "offered, the passages' closest sentences shown) when the customer's question is less than this similar to "
        "the entry's question: it answers that question, not the customer's (service.faq_copies). None: off.",
    )
    extractive_languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description='JSON list of the languages in which the passages\' closest sentences replace a generated answer '
        'that failed its check as an answer (status extractive); in others they are shown inside the decline '
        '(no_answer, a person offered). The bundled embedding models choose English sentences well and Chinese ones '
        'poorly (README, "Answers customers can trust", session 15); with a multilingual one, add "zh".',
    )
    second_look: bool = Field(
        True,
        description="With the guard: when the model says it does not know, or (outside the extractive_languages, where "
        "the fallback is a decline) was unsure of its answer, ask once more with only the passages' sentences closest "
        "to the question (the extractive answer's) before declining.",
    )
    quote_verdict: bool = Field(
        True,
        description="With the guard: before a decline that shows the passages' closest sentences (the model said it did "
        "not know, or its answer failed the guard outside the extractive_languages), ask the model whether those "
        "sentences answer the question, and give them as the answer (status extractive) when it says yes with at least "
        "min_quote_yes probability (service.quote_verdict).",
    )
    min_quote_yes: float | None = Field(
        None, gt=0.0, le=1.0,
        description="The bar for quote_verdict, for whichever model answers; default: the bundled model's, calibrated "
        "for its own verdicts (models without one are not asked).",
    )
    adapter_verdict: bool = Field(
        True,
        description="With the guard: an answer from a model other than the base that has a bar (a shipped adapter's "
        "calibrated one, as the grounded-zh adapter of ASSISTANT_BUNDLED_ADAPTERS has, or min_adapter_yes) is shown only "
        "when it passes every check and the base model says it answers the question (service.quote_verdict, at that "
        "bar); otherwise the base model answers.",
    )
    min_adapter_yes: float | None = Field(
        None, gt=0.0, le=1.0,
        description="The bar for adapter_verdict for any model an answer names other than the base (an adapter of your "
        "own, an extra model; calibrate it with bench/adapter_verdict.py); default: a shipped adapter's own bar, and "
        "no verdict for other models.",
    )
    region_notes: bool = Field(
        True,
        description="After the customer's question in the prompt, say where the customer's places are when the passages "
        "price their region and never name them (\"Germany is in the European Union (EU).\"): asked the cost of "
        "shipping to Germany from passages about the EU, the 1.5B said it did not know (service.places).",
    )
    region_passages: bool = Field(
        True,
        description="When the places the customer is in or orders to share one region (EU, UK, US) and the message "
        "mentions no other, leave out of the prompt the passages whose heading is about other places (the UK's fees "
        "for a customer in Ireland) or for the customers outside theirs (\"Do you ship outside the UK and EU?\" for "
        "one in Germany), as long as one passage is left (service.places.customer_region).",
    )
    prompt_sentences: int = Field(
        0, ge=0,
        description="Give the model only this many of the passages' sentences closest to the question (each after the "
        "FAQ question it answers, under its passage's number and label) instead of whole passages: a shorter prompt, "
        "a sooner first token (prefill is most of it on a CPU). 0: whole passages.",
    )
    extractive_sentences: int = Field(3, ge=1, description="Most passage sentences in an extractive answer.")
    extractive_min_similarity: float = Field(
        0.45, ge=-1, le=1,
        description="Least cosine similarity of a passage sentence to the question for the extractive answer to quote it "
        "(bench/extractive.py); with the guard on, passages with no sentence this close are declined before the model "
        "is asked (the assistant says it does not know and offers a person).",
    )
    instructions: str = Field(
        "", description="The company's own instructions, added to the customer-service system prompt (tone, "
        "escalation rules); the leak check keeps answers from repeating them.",
    )
    allowed_contacts: list[str] = Field(
        default_factory=list,
        description='JSON list of the domains, e-mail addresses and phone numbers answers may give customers, e.g. '
        '["voltway.example", "+44 20 7946 0000"]; others are withheld (README, "Security").',
    )
    trusted_documents: list[str] = Field(
        default_factory=list,
        description='JSON list of glob patterns (document id, source path or file name) of the documents whose '
        'contact points are allowed too, e.g. ["policies/*", "faq.csv"]; default: the sample knowledge base\'s.',
    )

    @field_validator(
        "passage_margin", "min_answer_logprob", "min_quote_yes", "min_adapter_yes", "faq_copy_min_similarity", mode="before"
    )
    @classmethod
    def _none_written_out(cls, value):
        """`ASSISTANT_PASSAGE_MARGIN=none` (or null, or empty) turns an optional check off, as the README says."""
        return None if isinstance(value, str) and value.strip().lower() in ("", "none", "null") else value

    @field_validator("allowed_contacts")
    @classmethod
    def _contacts_readable(cls, entries: list[str]) -> list[str]:
        ContactAllowList.build(entries)  # a ValueError names the entry
        return entries


class AppSettings(BaseSettings):
    """The web app only: where it listens, who may administer it, how many requests it takes at once."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, protected_namespaces=(), extra="ignore")

    app_host: str = Field("127.0.0.1", description="Interface the app listens on.")
    app_port: int = Field(7860, description="Port of the app.")
    admin_user: str | None = Field(None, description="With admin_password: the login the admin tabs require.")
    admin_password: SecretStr | None = Field(None, description="With admin_user: the password the admin tabs require.")
    agents: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Support agents\' logins for the agent console, as JSON: {"alice": "password", ...} (the admin may log in too).',
    )
    concurrency: int | None = Field(None, ge=1, description="Answers generated at once; default: fits the backend.")
    queue_size: int = Field(64, ge=1, description="Requests waiting beyond that; more are refused with a message.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description='JSON list of the web origins that may call the app from a browser (the company sites that embed '
        'it), e.g. ["https://shop.example"]; none by default.',
    )
    max_upload_mb: int = Field(20, ge=1, description="Largest file an admin may upload, in MB.")
    rate_limit_per_minute: int = Field(20, ge=1, description="Questions (and translations, drafts, searches) one client may send per minute.")
    streams_per_client: int = Field(2, ge=1, description="Answers one client may receive at once.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='JSON list of the reverse proxies (addresses or networks) whose X-Forwarded-For names the client, '
        'e.g. ["127.0.0.1", "10.0.0.0/8"]; without one every client is its own address.',
    )
    login_attempts: int = Field(5, ge=1, description="Wrong passwords from one client before its logins are locked.")
    login_lockout_s: float = Field(900, ge=1, description="How long a client is locked out after that, in seconds.")
    max_tokens_limit: int = Field(1024, ge=1, description="Largest max_tokens an API caller may ask for.")
    top_k_limit: int = Field(10, ge=1, description="Largest k (passages retrieved) an API caller may ask for.")

    @property
    def login_required(self) -> bool:
        return bool(self.admin_user and self.admin_password and self.admin_password.get_secret_value())


def settings_error(error: ValidationError) -> str:
    """One sentence naming the ASSISTANT_ variable (and the flag) a bad value came from."""
    return _settings_error(error, ENV_PREFIX)
