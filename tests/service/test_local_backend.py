"""The in-process transformers backend, on a tiny random Llama built in the test."""

import threading

import pytest

from service.backends import GenerationParams
from service.backends.local import TransformersBackend
from service.errors import ModelNotFoundError
from service.models import ResolvedModel
from tests.tiny_models import save_random_lora

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each

MESSAGES = [{"role": "user", "content": "hello how can i help"}]
GREEDY = GenerationParams(max_tokens=12, temperature=0.0)


@pytest.fixture(scope="module")
def tiny_lora(tiny_chat_model, tmp_path_factory):
    return save_random_lora(tiny_chat_model, tmp_path_factory.mktemp("tiny-lora"), rank=4, scale=2.0)


@pytest.fixture(scope="module")
def backend(tiny_chat_model, tiny_lora):
    model = ResolvedModel(str(tiny_chat_model), "tiny")
    return TransformersBackend(model, adapters={"support": tiny_lora})


def test_streams_several_chunks_and_greedy_is_deterministic(backend):
    chunks = list(backend.stream(MESSAGES, GREEDY))
    assert len([c for c in chunks if c]) >= 2
    assert "".join(chunks) == backend.complete(MESSAGES, GREEDY)


def test_max_tokens_bounds_the_answer(backend):
    answer = backend.complete(MESSAGES, GenerationParams(max_tokens=3, temperature=0.0))
    assert 1 <= len(backend.tokenizer(answer, add_special_tokens=False)["input_ids"]) <= 3


def test_adapter_is_selected_by_name_and_changes_the_answer(backend):
    assert backend.models() == ["tiny", "support"]
    base = backend.complete(MESSAGES, GREEDY)
    adapted = backend.complete(MESSAGES, GenerationParams(max_tokens=12, temperature=0.0, model="support"))
    assert adapted != base
    # Asking for the base model again must not keep the adapter active.
    assert backend.complete(MESSAGES, GREEDY) == base


def test_unknown_model_name_is_a_clear_error(backend):
    with pytest.raises(ModelNotFoundError, match="choose one of tiny, support"):
        list(backend.stream(MESSAGES, GenerationParams(model="nope")))


def test_abandoned_stream_releases_the_model(backend):
    stream = backend.stream(MESSAGES, GenerationParams(max_tokens=200, temperature=0.0))
    next(stream)
    stream.close()  # the worker must stop and release the lock, or the next call would block forever
    done = threading.Event()

    def second_call():
        backend.complete(MESSAGES, GenerationParams(max_tokens=2, temperature=0.0))
        done.set()

    threading.Thread(target=second_call, daemon=True).start()
    assert done.wait(timeout=30)


def test_missing_adapter_config_is_a_clear_error(tiny_chat_model, tmp_path):
    with pytest.raises(ModelNotFoundError, match="no adapter_config.json"):
        TransformersBackend(ResolvedModel(str(tiny_chat_model), "tiny"), adapters={"x": tmp_path})


def test_four_bit_nf4_loading_generates(tiny_chat_model):
    backend = TransformersBackend(ResolvedModel(str(tiny_chat_model), "tiny"), quantization="bitsandbytes")
    assert "Linear4bit" in type(backend.model.model.layers[0].self_attn.q_proj).__name__
    assert backend.complete(MESSAGES, GenerationParams(max_tokens=4, temperature=0.0))


def test_four_bit_loading_on_cpu_lets_go_of_the_mapped_checkpoint(tiny_chat_model, tmp_path):
    """The full-precision checkpoint stays mapped (and resident) only while it is being quantised."""
    import gc
    import shutil

    import torch

    from service.loading import load_causal_lm

    own_copy = shutil.copytree(tiny_chat_model, tmp_path / "model")  # no other test maps this file
    checkpoint = str((own_copy / "model.safetensors").resolve())

    def mapped() -> bool:
        gc.collect()
        return any(checkpoint in line for line in open("/proc/self/maps"))

    full = load_causal_lm(str(own_copy), torch.float32)
    assert mapped(), "a full-precision model is a view of the mapped file (the check can see a mapping)"
    del full
    assert not mapped()
    model = load_causal_lm(str(own_copy), torch.float32, load_in_4bit=True)
    assert not mapped()
    assert model.get_input_embeddings().weight is model.get_output_embeddings().weight or not model.config.tie_word_embeddings


@pytest.mark.parametrize("load_in_4bit", [False, True])
def test_a_gpu_gets_the_model_in_either_precision(monkeypatch, load_in_4bit):
    """With a GPU, both precisions are loaded onto it (the full-precision model used to stay on the CPU);
    bench/gpu_paths.py runs the real thing on CUDA."""
    import torch
    from transformers import AutoModelForCausalLM

    from service.loading import load_causal_lm

    asked: dict = {}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", lambda source, **kwargs: asked.update(kwargs))
    load_causal_lm("some/model", torch.bfloat16, load_in_4bit=load_in_4bit)
    assert asked["device_map"] == {"": 0}
    assert asked["dtype"] is torch.bfloat16
