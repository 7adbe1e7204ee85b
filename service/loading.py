"""Load a causal language model with transformers, in its own precision or in 4-bit NF4.

Contract of `load_causal_lm(source, dtype, load_in_4bit=...)`: the model on the first GPU when there is
one, else on the CPU, in `dtype` (4-bit: the compute dtype). With `load_in_4bit` the linear layers are
bitsandbytes NF4 with double quantisation (QLoRA's recipe), and on CPU the memory-mapped checkpoint and
the heap that quantising went through are given back once the weights are quantised. `OSError` from
transformers (missing or broken checkpoint) propagates; callers turn it into their own error.
Shared by the in-process backend and `finetune`.
"""

from __future__ import annotations


def load_causal_lm(source: str, dtype, *, load_in_4bit: bool = False):
    """`AutoModelForCausalLM.from_pretrained(source)` in `dtype` (a torch dtype), optionally NF4."""
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    on_gpu = torch.cuda.is_available()
    if not load_in_4bit:
        return AutoModelForCausalLM.from_pretrained(source, dtype=dtype, device_map={"": 0} if on_gpu else None)
    model = AutoModelForCausalLM.from_pretrained(
        source,
        dtype=dtype,
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        ),
        device_map={"": 0} if on_gpu else "cpu",
    )
    if not on_gpu:
        _release_checkpoint_map(model)
        _return_freed_memory()
    return model


def _release_checkpoint_map(model) -> None:
    """Give the weights that stay in full precision (embeddings, norms) memory of their own.

    They are views of the memory-mapped safetensors file, and one view keeps the whole mapping, all of
    it paged in while quantising, resident: on the bundled model that is 538 MB of fp32 weights the
    quantised layers no longer need (bench/finetune.py: QLoRA's peak RSS was no lower than LoRA's).
    """
    import bitsandbytes as bnb
    import torch

    with torch.no_grad():
        for param in model.parameters():
            if not isinstance(param, bnb.nn.Params4bit):
                param.data = param.data.clone()
        for buffer in model.buffers():
            buffer.data = buffer.data.clone()


def _return_freed_memory() -> None:
    """Hand the heap freed after quantising back to the system (glibc keeps it for reuse otherwise).

    Quantising goes through every weight in full precision; glibc keeps those freed blocks, so the
    process stayed about 1 GB larger than its live memory after loading a 360M-parameter model.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
