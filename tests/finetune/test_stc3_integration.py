"""A short real LoRA run on real support conversations (STC-3, English), served by a real vLLM server.

Kept to a few minutes on 2 CPU cores: 40 conversations, 10 steps of 2 conversations of at most 160
tokens, no periodic evaluation, one short sample reply.
"""

from pathlib import Path

import pytest

from finetune.train import TrainArgs, run

REPO = Path(__file__).resolve().parents[2]
STC3 = REPO.parent / "shared" / "data" / "stc3" / "dialogues_en.jsonl"


@pytest.fixture(scope="module")
def stc3_run(bundled_model, tmp_path_factory):
    if not STC3.is_file():
        pytest.fail(f"{STC3} is missing; the STC-3 dialogues ship in ../shared/data.")
    output = tmp_path_factory.mktemp("stc3-lora")
    args = TrainArgs(
        data=[STC3],
        output=output,
        base=bundled_model.source,
        max_conversations=40,
        eval_fraction=0.1,
        max_steps=10,
        eval_steps=1000,
        batch_size=2,
        max_length=160,
        learning_rate=1e-3,
        samples=1,
        sample_max_tokens=16,
        progress=False,
        seed=0,
    )
    metrics, trainer = run(args, log=lambda message: None)
    return metrics, trainer, output


@pytest.mark.integration
def test_stc3_training_changes_only_the_adapter_and_lowers_held_out_loss(stc3_run, bundled_model):
    import torch
    from safetensors.torch import load_file

    metrics, trainer, output = stc3_run
    assert (metrics["train_examples"], metrics["eval_examples"], metrics["steps"]) == (36, 4, 10)
    assert metrics["eval_loss_after"] < metrics["eval_loss_before"]

    params = dict(trainer.model.named_parameters())
    lora_b = [p for n, p in params.items() if "lora_B" in n]
    assert lora_b and all(p.abs().sum() > 0 for p in lora_b)  # peft initialises B to zero

    original = load_file(str(Path(bundled_model.source) / "model.safetensors"))
    compared = 0
    for name, param in params.items():
        if "lora_" in name:
            continue
        key = name.removeprefix("base_model.model.").replace(".base_layer", "")
        if key in original:
            assert torch.equal(param.detach(), original[key].to(param.dtype)), key
            compared += 1
    assert compared > 200  # 30 layers x 9 tensors + embeddings and norms

    adapter = Path(metrics["adapter_dir"])
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    assert (output / "loss_curve.png").stat().st_size > 1000
    report = (output / "report.md").read_text()
    assert "| adapted model |" in report and f"{metrics['eval_loss_after']:.4f}" in report


@pytest.mark.integration
def test_stc3_adapter_is_served_by_vllm_under_its_name(stc3_run, vllm_server):
    from service.backends import GenerationParams
    from service.backends.openai_http import OpenAIChatBackend
    from service.prompts import customer_service_system_prompt
    from service.vllm_server import load_lora_adapter

    metrics, _, _ = stc3_run
    load_lora_adapter(vllm_server.base_url, "stc3-support", Path(metrics["adapter_dir"]))
    backend = OpenAIChatBackend(vllm_server.base_url)
    assert "stc3-support" in backend.models()
    messages = [
        {"role": "system", "content": customer_service_system_prompt()},
        {"role": "user", "content": "My phone has had no signal since yesterday, what should I do?"},
    ]
    adapted = backend.complete(messages, GenerationParams(model="stc3-support", max_tokens=16, temperature=0))
    base = backend.complete(messages, GenerationParams(max_tokens=16, temperature=0))
    assert adapted.strip() and adapted != base  # the adapter's weights are applied, not just its name


@pytest.mark.integration
def test_stc3_adapter_loads_in_the_in_process_backend(stc3_run, bundled_model):
    from service.backends import GenerationParams
    from service.backends.local import TransformersBackend

    metrics, _, _ = stc3_run
    backend = TransformersBackend(bundled_model, adapters={"stc3-support": Path(metrics["adapter_dir"])})
    assert backend.models() == [bundled_model.name, "stc3-support"]
    messages = [{"role": "user", "content": "Hello, my bill is wrong."}]
    adapted = backend.complete(messages, GenerationParams(model="stc3-support", max_tokens=8, temperature=0))
    base = backend.complete(messages, GenerationParams(max_tokens=8, temperature=0))
    assert adapted.strip() and adapted != base
