"""One typed settings object for serving and chatting.

Every field can be set from the environment with the `ASSISTANT_` prefix
(e.g. `ASSISTANT_MODEL=Qwen/Qwen2.5-1.5B-Instruct`) and is overridden by CLI flags.
The defaults are the CPU settings that measured best in `bench/generation.py`.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", protected_namespaces=())

    model: str = Field(
        "smollm2-135m-instruct",
        description="The bundled model's name, a local checkpoint directory, or a Hugging Face model id.",
    )
    data_dir: Path = Field(Path("data"), description="Where converted models, knowledge bases and logs live.")
    engine: Literal["vllm", "local"] = Field(
        "vllm", description="vllm: a managed vLLM server (or --llm-url); local: in-process transformers."
    )
    llm_url: str | None = Field(
        None, description="Base URL of an existing OpenAI-compatible server, e.g. http://host:8000/v1."
    )
    api_key: str | None = Field(None, description="Bearer token for --llm-url, if the server needs one.")

    # Managed vLLM server.
    host: str = Field("127.0.0.1", description="Interface the managed vLLM server listens on.")
    port: int = Field(8011, description="Port of the managed vLLM server.")
    dtype: str = Field(
        "float32", description="Weights/activation dtype for vLLM; float32 is fastest on CPUs without native bf16."
    )
    max_model_len: int = Field(2048, description="Context window the server allocates per sequence.")
    kv_cache_gb: int = Field(2, description="KV-cache size in whole GiB for vLLM on CPU (VLLM_CPU_KVCACHE_SPACE).")
    max_num_seqs: int = Field(16, description="Most sequences vLLM batches together.")
    async_scheduling: bool = Field(
        True, description="Let vLLM schedule the next step while the current one runs (measured faster here)."
    )
    cpu_threads: int | None = Field(None, description="Torch threads for the in-process engine; default: all cores.")
    vllm_reserved_cpus: int | None = Field(
        None, description="Cores vLLM on CPU keeps free for its scheduler and API server; the rest run the model."
    )
    quantization: Literal["none", "bitsandbytes"] = Field(
        "none", description="bitsandbytes: load the model in 4-bit NF4 (GPU for vLLM; CPU too for --engine local)."
    )
    adapters: dict[str, Path] = Field(default_factory=dict, description="LoRA adapters to serve, by name.")
    runtime_lora: bool = Field(
        False, description="Let the running server load more adapters (POST /v1/load_lora_adapter); enables LoRA."
    )
    max_lora_rank: int = Field(32, description="Largest LoRA rank the server accepts (8, 16, 32, 64, ...).")
    tensor_parallel_size: int = Field(1, description="GPUs to shard the model over (vLLM tensor parallelism).")
    startup_timeout_s: float = Field(900.0, description="How long to wait for the vLLM server to become healthy.")

    # Client.
    connect_timeout_s: float = Field(5.0, description="Seconds to wait for a TCP connection to the model server.")
    first_token_timeout_s: float = Field(
        120.0, description="Seconds to wait for the first (and each next) chunk of a streamed answer."
    )
