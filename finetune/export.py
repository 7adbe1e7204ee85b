"""Write an adapter for shipping: its config and its weights in bfloat16, nothing else.

`train` writes float32 weights, a tokenizer copy and a model card next to them; the repository ships only what vLLM
and `finetune merge` read (`service.bundled_adapters`), at half the size (rank 8 on every projection of the 1.5B:
about 18 MB). `base` replaces the base model the config names (train writes the local checkpoint's path there) with
a name that resolves on any machine, such as a bundled model's.
"""

import json
from pathlib import Path

from finetune.errors import FinetuneError

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"


def export(adapter_dir: Path, output: Path, base: str | None = None) -> dict:
    import torch
    from safetensors.torch import load_file, save_file

    adapter_dir, output = Path(adapter_dir), Path(output)
    if not (adapter_dir / CONFIG).is_file() or not (adapter_dir / WEIGHTS).is_file():
        raise FinetuneError(f"{adapter_dir} has no {CONFIG} and {WEIGHTS}; pass the adapter/ folder that `train` wrote.")
    config = json.loads((adapter_dir / CONFIG).read_text(encoding="utf-8"))
    if base:
        config["base_model_name_or_path"] = base
    tensors = {
        name: tensor.to(torch.bfloat16) if tensor.is_floating_point() else tensor
        for name, tensor in load_file(adapter_dir / WEIGHTS).items()
    }
    output.mkdir(parents=True, exist_ok=True)
    save_file(tensors, output / WEIGHTS, metadata={"format": "pt"})
    (output / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {"adapter_dir": str(output), "bytes": (output / WEIGHTS).stat().st_size, "base": config.get("base_model_name_or_path")}
