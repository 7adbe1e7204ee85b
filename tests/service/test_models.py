"""Model resolution: bundled name, local checkpoint, hub id, and a clear error for anything else."""

import pytest

from service.errors import ModelNotFoundError
from service.models import BUNDLED_NAME, resolve_model


def test_local_checkpoint_directory(tiny_chat_model, tmp_path):
    resolved = resolve_model(str(tiny_chat_model), tmp_path)
    assert resolved.source == str(tiny_chat_model.resolve()) and resolved.is_local


def test_hub_id_passes_through_unchanged(tmp_path):
    resolved = resolve_model("Qwen/Qwen2.5-1.5B-Instruct", tmp_path)
    assert (resolved.source, resolved.name, resolved.is_local) == (
        "Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", False
    )


@pytest.mark.parametrize("spec", ["gpt-7", "./missing/dir", "/no/such/model"])
def test_unknown_model_lists_what_is_accepted(spec, tmp_path):
    with pytest.raises(ModelNotFoundError) as error:
        resolve_model(spec, tmp_path)
    message = str(error.value)
    assert f"Unknown model '{spec}'" in message
    assert BUNDLED_NAME in message and "config.json" in message and "Hugging Face model id" in message


def test_directory_without_config_is_not_a_checkpoint(tmp_path):
    with pytest.raises(ModelNotFoundError, match="has no config.json"):
        resolve_model(str(tmp_path), tmp_path)


@pytest.mark.integration
def test_bundled_model_is_converted_once_and_loads(bundled_model, data_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    messages = []
    again = resolve_model("bundled", data_dir, log=messages.append)
    assert again == bundled_model and messages == []  # reused, not converted again
    tokenizer = AutoTokenizer.from_pretrained(bundled_model.source)
    model = AutoModelForCausalLM.from_pretrained(bundled_model.source, dtype=torch.float32)
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True, return_dict=True, return_tensors="pt",
    )
    output = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    assert "Paris" in tokenizer.decode(output[0, inputs["input_ids"].shape[1]:])
