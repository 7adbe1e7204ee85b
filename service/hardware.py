"""What this machine's CPU computes natively, read from /proc/cpuinfo (Linux; elsewhere nothing is known).

    has_native_bf16()  # True on an AVX512-BF16 or AMX x86 CPU, or an Arm CPU with BF16
    cpu_float_dtype()  # "bfloat16" there, else "float32": what `ASSISTANT_DTYPE=auto` runs a model in on this CPU

Contract: `cpu_flags` is the set of feature flags of the first processor listed (every core of a machine
reports the same), empty when the file cannot be read; the answer is computed once per path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

# x86: AVX512-BF16 (AMD Zen 4, Intel Cooper Lake and later) or AMX; Arm: the BF16 extension.
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


@cache
def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags ("flags" on x86, "Features" on Arm)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def has_native_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """Whether the CPU has bfloat16 arithmetic instructions (without them bf16 is converted in software)."""
    return bool(cpu_flags(cpuinfo) & NATIVE_BF16_FLAGS)


def cpu_float_dtype() -> str:
    """The float dtype a model runs fastest in on this CPU: bfloat16 with native bf16 (the 1.5B default read prompts
    in about half the time and decoded about twice as fast as in float32 through vLLM, `bench/serving.py`; in
    process, prefill x0.62 and decode x1.5), float32 without it (bf16 is converted in software there)."""
    return "bfloat16" if has_native_bf16() else "float32"
