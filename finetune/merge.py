"""Merge a LoRA adapter into its base model and write a plain checkpoint.

For deployments whose server has no LoRA support: the result loads like any model
(`python -m service serve --model DIR`). The base is read from the adapter's
`adapter_config.json` unless given; it is loaded in full precision even when the adapter was trained
with QLoRA (merging into 4-bit weights would round the update away). The checkpoint is written into
a temporary sibling folder and renamed at the end, so a failed merge leaves nothing half-written. `scale`
multiplies the adapter's update before it is merged (1: as trained; 0.5: half of it), for a merged model between the
base and the adapter. The merged weights are stored in the base checkpoint's dtype (computed in float32): a bfloat16
base stays half the size of a float32 copy.
"""

import json
import shutil
import tempfile
from pathlib import Path

from finetune.errors import FinetuneError


def merge(
    adapter_dir: Path, output: Path, base: str | None = None, data_dir: Path = Path("data"), scale: float = 1.0,
) -> Path:
    import torch
    from peft import PeftModel
    from peft.tuners.lora import LoraLayer
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from service.errors import ModelNotFoundError
    from service.models import resolve_model

    adapter_dir, output = Path(adapter_dir), Path(output)
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.is_file():
        raise FinetuneError(f"{adapter_dir} has no adapter_config.json; pass the adapter/ folder that `train` wrote.")
    base = base or json.loads(config_path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    if not base:
        raise FinetuneError(f"{config_path} does not name its base model; pass it with --base.")
    try:
        resolved = resolve_model(base, Path(data_dir))
    except ModelNotFoundError as e:
        raise FinetuneError(str(e)) from e
    if not 0 < scale <= 1:
        raise FinetuneError(f"--scale must be more than 0 and at most 1, not {scale}.")
    if output.exists() and any(output.iterdir()):
        raise FinetuneError(f"The output folder {output} is not empty; choose a new folder for the merged model.")
    model = AutoModelForCausalLM.from_pretrained(resolved.source, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, str(adapter_dir))
    for layer in model.modules():
        if isinstance(layer, LoraLayer):
            layer.scale_layer(scale)
    model = model.merge_and_unload()
    stored = AutoConfig.from_pretrained(resolved.source).dtype
    if isinstance(stored, torch.dtype) and stored != torch.float32:
        model = model.to(stored)
    tokenizer = AutoTokenizer.from_pretrained(resolved.source)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        if output.exists():
            output.rmdir()
        staging.chmod(0o755)
        staging.rename(output)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return output
