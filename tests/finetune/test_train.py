"""Training on a tiny random Llama: assistant-only loss, weights, outputs, resume, 4-bit, merge, CLI."""

import json
import random
import struct

import pytest

from finetune.__main__ import main
from finetune.errors import FinetuneError
from finetune.template import CHATML_TRAINING_TEMPLATE, training_chat_template
from finetune.train import TrainArgs, build_trainer, load_base, train

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each

# Only words of the tiny tokenizer's vocabulary, so the text is not all <unk>.
ANSWERS = {
    "how can i reset my password": "please reset your password in your account",
    "where is my order": "your order is on the way",
    "i want a refund": "yes we will refund your order",
    "when will my order ship": "your order will ship in a",
}


@pytest.fixture(scope="module")
def chats(tmp_path_factory):
    path = tmp_path_factory.mktemp("chats") / "chats.jsonl"
    rng = random.Random(0)
    questions = list(ANSWERS)
    with path.open("w") as f:
        for i in range(48):
            q = questions[i % 4]
            messages = [
                {"role": "user", "content": f"{q} {rng.choice(['please', 'thanks', 'hello'])} {i}"},
                {"role": "assistant", "content": ANSWERS[q] + " thanks" * (i % 3)},
                {"role": "user", "content": "thanks"},
                {"role": "assistant", "content": "you are welcome"},
            ]
            f.write(json.dumps({"messages": messages}) + "\n")
        f.write("{broken\n")
    return path


def args_for(chats, base, output, **overrides):
    options = dict(
        data=[chats], output=output, base=str(base), max_steps=12, learning_rate=1e-2, batch_size=4, max_length=160,
        samples=1, sample_max_tokens=4, progress=False, eval_fraction=0.15,
    )
    return TrainArgs(**{**options, **overrides})


def load_data(args):
    from finetune.data import clean, load_transcripts, split
    from service.prompts import customer_service_system_prompt

    conversations, _ = clean(load_transcripts(args.data).conversations, customer_service_system_prompt())
    return split(conversations, args.eval_fraction, args.seed)


def test_training_template_renders_like_chatml_and_rejects_unknown_templates(tiny_chat_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_model)
    assert training_chat_template(tokenizer) == CHATML_TRAINING_TEMPLATE
    tokenizer.chat_template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    with pytest.raises(FinetuneError, match="neither ChatML"):
        training_chat_template(tokenizer)


def test_loss_is_on_assistant_tokens_only(chats, tiny_chat_model, tmp_path):
    args = args_for(chats, tiny_chat_model, tmp_path)
    train_set, eval_set = load_data(args)
    model, tokenizer, _, _ = load_base(args, log=lambda m: None)
    trainer = build_trainer(args, model, tokenizer, train_set, eval_set)
    example = trainer.train_dataset[0]
    assert [t for t in example["labels"] if t != -100] == [t for t, label in zip(example["input_ids"], example["labels"]) if label != -100]
    trained = [t for t, label in zip(example["input_ids"], example["labels"]) if label != -100]
    assistant_turns = [m["content"] for m in train_set[0].messages if m["role"] == "assistant"]
    expected = tokenizer(" <|im_end|> ".join(assistant_turns) + " <|im_end|>", add_special_tokens=False)["input_ids"]
    assert trained == expected
    assert len(trained) < len(example["input_ids"]) // 2  # the system prompt and customer turns are not trained


def test_training_changes_adapter_weights_and_not_base_weights(chats, tiny_chat_model, tmp_path):
    import torch

    args = args_for(chats, tiny_chat_model, tmp_path, max_steps=6)
    train_set, eval_set = load_data(args)
    model, tokenizer, _, _ = load_base(args, log=lambda m: None)
    trainer = build_trainer(args, model, tokenizer, train_set, eval_set)
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.train()
    after = dict(trainer.model.named_parameters())
    lora = [n for n in before if "lora_" in n]
    base = [n for n in before if "lora_" not in n]
    assert lora and base
    assert all(after[n].requires_grad for n in lora) and not any(after[n].requires_grad for n in base)
    assert any(not torch.equal(before[n], after[n]) for n in lora if "lora_B" in n)
    assert all(torch.equal(before[n], after[n]) for n in base)


def read_png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_cli_train_writes_adapter_report_curve_and_ends_with_json(chats, tiny_chat_model, tmp_path, capsys):
    output = tmp_path / "run"
    code = main(
        ["train", "--data", str(chats), "--output", str(output), "--base", str(tiny_chat_model), "--max-steps", "12",
         "--learning-rate", "1e-2", "--max-length", "160", "--samples", "1", "--sample-max-tokens", "4",
         "--eval-fraction", "0.15", "--no-progress"]
    )
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert len(lines) == 1  # library chatter goes to stderr
    assert result["eval_loss_after"] < result["eval_loss_before"]
    assert (result["train_examples"], result["eval_examples"]) == (41, 7)
    assert result["malformed_records"] == 1 and result["steps"] == 12
    adapter = output / "adapter"
    assert result["adapter_dir"] == str(adapter)
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in adapter.iterdir()}
    width, height = read_png_size(output / "loss_curve.png")
    assert width > 300 and height > 200
    report = (output / "report.md").read_text()
    assert f"{result['eval_loss_before']:.4f} | {result['eval_loss_after']:.4f}" in report
    assert "| base model |" in report and "| adapted model |" in report
    assert "chats.jsonl:49: not valid JSON" in report
    eval_lines = (output / "data" / "eval.jsonl").read_text().splitlines()
    assert len(eval_lines) == 7


def test_training_resumes_from_the_last_checkpoint(chats, tiny_chat_model, tmp_path):
    first = train(args_for(chats, tiny_chat_model, tmp_path, max_steps=4, save_steps=2, samples=0), log=lambda m: None)
    assert first["resumed_from"] is None and first["steps"] == 4
    second = train(args_for(chats, tiny_chat_model, tmp_path, max_steps=6, save_steps=2, samples=0), log=lambda m: None)
    assert second["resumed_from"].endswith("checkpoint-4")
    assert second["steps"] == 6


def test_checkpoints_of_other_data_or_settings_are_not_resumed(chats, tiny_chat_model, tmp_path):
    quiet = {"log": lambda m: None}
    train(args_for(chats, tiny_chat_model, tmp_path, max_steps=4, save_steps=2, samples=0), **quiet)
    kept = (tmp_path / "data" / "train.jsonl").read_text()
    other_data = tmp_path / "other.jsonl"
    other_data.write_text("".join(chats.read_text().splitlines(keepends=True)[:40]))
    for changed in ({"data": [other_data]}, {"learning_rate": 1e-3}):
        with pytest.raises(FinetuneError, match="trained on other data or settings; pass --no-resume"):
            train(args_for(chats, tiny_chat_model, tmp_path, max_steps=6, save_steps=2, samples=0, **changed), **quiet)
    assert (tmp_path / "data" / "train.jsonl").read_text() == kept  # nothing overwritten
    assert (tmp_path / "checkpoints" / "checkpoint-4").is_dir()
    fresh = train(args_for(chats, tiny_chat_model, tmp_path, max_steps=2, save_steps=2, samples=0, data=[other_data],
                           resume=False), **quiet)
    assert fresh["resumed_from"] is None and fresh["steps"] == 2
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("checkpoint-*")) == ["checkpoint-2"]


def test_qlora_4bit_on_cpu_trains_a_servable_adapter(chats, tiny_chat_model, tmp_path):
    import bitsandbytes as bnb

    args = args_for(chats, tiny_chat_model, tmp_path, load_in_4bit=True, max_steps=4, samples=0)
    train_set, eval_set = load_data(args)
    model, tokenizer, _, _ = load_base(args, log=lambda m: None)
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    metrics = train(args, log=lambda m: None)
    assert metrics["load_in_4bit"] and metrics["steps"] == 4
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()


def test_qlora_gradients_flow_through_4bit_layers_after_an_evaluation(chats, tiny_chat_model, tmp_path):
    """The "before" evaluation must not leave the 4-bit weights in bitsandbytes' inference-only CPU layout."""
    import torch

    args = args_for(chats, tiny_chat_model, tmp_path, load_in_4bit=True)
    ids = torch.tensor([[2, 5, 6, 7, 8, 9, 10]])

    def input_gradient(evaluate_first: bool):
        model = load_base(args, log=lambda m: None)[0]
        if evaluate_first:
            model.eval()
            with torch.no_grad():
                model(ids)
        model.train()
        embeddings = model.get_input_embeddings()(ids).detach().requires_grad_(True)
        model(inputs_embeds=embeddings).logits.square().sum().backward()
        return embeddings.grad

    assert torch.allclose(input_gradient(True), input_gradient(False), rtol=1e-3, atol=1e-5)


def test_merge_writes_a_checkpoint_equal_to_base_plus_adapter(chats, tiny_chat_model, tmp_path, capsys):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    train(args_for(chats, tiny_chat_model, tmp_path / "run", max_steps=4, samples=0), log=lambda m: None)
    adapter = tmp_path / "run" / "adapter"
    assert main(["merge", "--adapter", str(adapter), "--output", str(tmp_path / "merged")]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["merged_dir"] == str(tmp_path / "merged")
    ids = torch.tensor([[2, 5, 6, 7, 8]])
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_chat_model), str(adapter))
    base = AutoModelForCausalLM.from_pretrained(tiny_chat_model)
    with torch.no_grad():
        merged_logits, adapted_logits, base_logits = (m(ids).logits for m in (merged, adapted.eval(), base))
    assert torch.allclose(merged_logits, adapted_logits, atol=1e-4)
    assert not torch.allclose(merged_logits, base_logits, atol=1e-4)
    assert (tmp_path / "merged" / "tokenizer.json").is_file()
    # --scale 0.5 merges half of the adapter's update: every weight halfway between the base's and the full merge's.
    assert main(["merge", "--adapter", str(adapter), "--output", str(tmp_path / "half"), "--scale", "0.5"]) == 0
    half = AutoModelForCausalLM.from_pretrained(tmp_path / "half").state_dict()
    full, before = merged.state_dict(), base.state_dict()
    changed = [name for name in full if not torch.equal(full[name], before[name])]
    assert changed and all(torch.allclose(half[n], (full[n] + before[n]) / 2, atol=1e-6) for n in changed)
    assert main(["merge", "--adapter", str(adapter), "--output", str(tmp_path / "none"), "--scale", "0"]) == 1
    assert "--scale must be more than 0" in capsys.readouterr().err
    # export: only the config (naming the base given) and the weights in bfloat16, which answer as the float ones do.
    from safetensors.torch import load_file

    shipped = tmp_path / "shipped"
    assert main(["export", "--adapter", str(adapter), "--output", str(shipped), "--base", str(tiny_chat_model)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["base"] == str(tiny_chat_model)
    assert sorted(p.name for p in shipped.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert {t.dtype for t in load_file(shipped / "adapter_model.safetensors").values()} == {torch.bfloat16}
    exported = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_chat_model), str(shipped)).eval()
    with torch.no_grad():
        assert torch.allclose(exported(ids).logits, adapted_logits, atol=1e-2)
    assert main(["export", "--adapter", str(tmp_path), "--output", str(tmp_path / "e")]) == 1
    assert "has no adapter_config.json and adapter_model.safetensors" in capsys.readouterr().err


def test_cli_reports_user_errors_in_one_sentence(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].startswith("Error: The transcript file") and "Traceback" not in err
    assert main(["merge", "--adapter", str(tmp_path), "--output", str(tmp_path / "m")]) == 1
    assert "no adapter_config.json" in capsys.readouterr().err
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}))
    assert main(["train", "--data", str(path), "--output", str(tmp_path / "o"), "--base", "not a model!"]) == 1
    assert "at least 2" in capsys.readouterr().err


def test_too_short_max_length_is_a_clear_error(chats, tiny_chat_model, tmp_path):
    with pytest.raises(FinetuneError, match="--max-length 32 is too short"):
        train(args_for(chats, tiny_chat_model, tmp_path, max_length=32), log=lambda m: None)
