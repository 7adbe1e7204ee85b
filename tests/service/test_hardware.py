"""CPU features read from /proc/cpuinfo, and the dtype `ASSISTANT_DTYPE=auto` serves with them."""

from pathlib import Path

import pytest

from service import hardware, vllm_server
from service.hardware import cpu_flags, has_native_bf16
from service.models import ResolvedModel
from service.vllm_server import VLLMServerConfig, served_dtype

ZEN4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16\n"
ZEN3 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma\n"
NEOVERSE_V1 = "processor\t: 0\nBogoMIPS\t: 2100.00\nFeatures\t: fp asimd sve bf16 i8mm\n"


def cpuinfo(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(text)
    return path


def test_flags_are_read_on_x86_and_arm(tmp_path):
    (tmp_path / "x86").mkdir(), (tmp_path / "arm").mkdir()
    assert {"avx2", "avx512_bf16"} <= cpu_flags(cpuinfo(tmp_path / "x86", ZEN4))
    assert {"asimd", "bf16"} <= cpu_flags(cpuinfo(tmp_path / "arm", NEOVERSE_V1))


@pytest.mark.parametrize(("text", "native"), [(ZEN4, True), (ZEN3, False), (NEOVERSE_V1, True)])
def test_native_bf16_needs_its_instructions(tmp_path, text, native):
    assert has_native_bf16(cpuinfo(tmp_path, text)) is native


def test_an_unreadable_cpuinfo_knows_nothing(tmp_path):
    assert cpu_flags(tmp_path / "missing") == frozenset()
    assert has_native_bf16(tmp_path / "missing") is False


@pytest.mark.parametrize(("cpu_build", "native", "served"), [
    (True, True, "bfloat16"), (True, False, "float32"), (False, True, "auto"), (False, False, "auto"),
])
def test_auto_serves_bf16_only_on_a_cpu_that_computes_it(monkeypatch, cpu_build, native, served):
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: cpu_build)
    monkeypatch.setattr(hardware, "has_native_bf16", lambda: native)
    assert served_dtype("auto") == served
    assert served_dtype("float32") == "float32" and served_dtype("float16") == "float16"  # a choice is kept
    command = VLLMServerConfig(model=ResolvedModel("org/model", "org/model")).command()
    assert command[command.index("--dtype") + 1] == served


@pytest.mark.parametrize(("gpu", "native", "loaded"), [
    (False, True, "bfloat16"), (False, False, "float32"), (True, False, "bfloat16"),
])
def test_the_in_process_engine_follows_auto_too(monkeypatch, gpu, native, loaded):
    import torch

    from service.backends.local import local_dtype

    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    monkeypatch.setattr(hardware, "has_native_bf16", lambda: native)
    assert local_dtype("auto") == loaded
    assert local_dtype("float32") == "float32"  # a choice is kept
