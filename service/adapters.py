"""Promoted LoRA adapters: the ones `python -m service promote` accepted, served from then on.

    add_served_adapter(data_dir, "support-v2", Path("out/support-v2/adapter"))
    served_adapters(data_dir)             # {"support-v2": Path(...)}; Settings.served_adapters adds them

Contract: kept in `DATA_DIR/adapters.json` ({name: absolute path}, written atomically); every later start of
the managed server (and the in-process engine) serves them next to the configured ones;
`load_into_running_server` loads one into a running vLLM started with runtime LoRA
(`POST /v1/load_lora_adapter`) at once. A damaged file is an `AssistantError` naming it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from service.errors import AssistantError


def adapters_file(data_dir: Path) -> Path:
    return Path(data_dir) / "adapters.json"


def served_adapters(data_dir: Path) -> dict[str, Path]:
    """The promoted adapters, {name: path}; none when the file does not exist."""
    path = adapters_file(data_dir)
    if not path.exists():
        return {}
    try:
        return {str(k): Path(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError) as e:
        raise AssistantError(f"{path} is not a JSON object of adapter names and paths ({e}); fix or delete it.") from e


def add_served_adapter(data_dir: Path, name: str, adapter: Path) -> None:
    adapters = {k: str(v) for k, v in served_adapters(data_dir).items()}
    adapters[name] = str(Path(adapter).resolve())
    path = adapters_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(adapters, indent=1), encoding="utf-8")
    partial.replace(path)


def load_into_running_server(base_url: str, name: str, adapter: Path, api_key: str | None = None) -> bool:
    """Load the adapter into a running vLLM (started with runtime LoRA); False when none answers or it refuses."""
    root = base_url.rstrip("/").removesuffix("/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.post(f"{root}/v1/load_lora_adapter", json={"lora_name": name, "lora_path": str(Path(adapter).resolve())},
                              headers=headers, timeout=120)
    except httpx.HTTPError:
        return False
    return response.status_code == 200
