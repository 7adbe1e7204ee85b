"""What a person reads after training: the loss curve (PNG) and a Markdown report.

The report puts held-out loss and perplexity before and after side by side, and the replies of the
base model and the adapted model to the same held-out customer messages (greedy decoding, so the
difference comes from the adapter, not from sampling).
"""

import math
from dataclasses import dataclass
from pathlib import Path

from finetune.data import Conversation, Problem


@dataclass
class Sample:
    customer: str
    reference: str
    base: str
    adapted: str


def sample_prompts(conversations: list[Conversation], count: int) -> list[tuple[list[dict], str]]:
    """(messages up to the first customer turn that got an answer, the agent's real answer) per conversation."""
    prompts = []
    for conversation in conversations:
        messages = conversation.messages
        for i in range(1, len(messages)):
            if messages[i]["role"] == "assistant" and messages[i - 1]["role"] == "user":
                prompts.append((messages[:i], messages[i]["content"]))
                break
        if len(prompts) == count:
            break
    return prompts


def sample_replies(model, tokenizer, inference_template: str, conversations, count: int, max_tokens: int) -> list[Sample]:
    """Greedy replies of the base model (adapter disabled) and of the adapted model."""
    import torch

    samples = []
    if count <= 0:
        return samples
    model.eval()
    for messages, reference in sample_prompts(conversations, count):
        inputs = tokenizer.apply_chat_template(
            messages, chat_template=inference_template, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        ).to(model.device)

        def generate() -> str:
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    max_new_tokens=max_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            return tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()

        with model.disable_adapter():
            base = generate()
        adapted = generate()
        samples.append(Sample(messages[-1]["content"], reference, base, adapted))
    return samples


def save_loss_curve(log_history: list[dict], eval_before: float, path: Path) -> None:
    """Training loss per logged step and held-out loss (step 0 = before training)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e and "step" in e]
    evals = [(0, eval_before)] + [(e["step"], e["eval_loss"]) for e in log_history if "eval_loss" in e]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if train:
        ax.plot(*zip(*train), label="training loss (assistant tokens)", color="tab:blue", linewidth=1)
    ax.plot(*zip(*sorted(set(evals))), "o-", label="held-out loss", color="tab:orange")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("cross-entropy")
    ax.set_title("Fine-tuning loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "_(empty)_"


def write_report(path: Path, metrics: dict, samples: list[Sample], problems: list[Problem], args: dict) -> None:
    before, after = metrics["eval_loss_before"], metrics["eval_loss_after"]
    change = (after - before) / before * 100 if before else float("nan")
    lines = [
        "# Fine-tuning report",
        "",
        f"Base model: `{metrics['base']}`{' (4-bit NF4, QLoRA)' if metrics['load_in_4bit'] else ''}; "
        f"{metrics['steps']} steps in {metrics['train_seconds']} s on {metrics['train_examples']} training "
        f"conversations ({metrics['train_tokens']} tokens seen); {metrics['eval_examples']} held out.",
        "",
        "| held-out (assistant tokens) | base | adapted | change |",
        "| --- | --- | --- | --- |",
        f"| loss | {before:.4f} | {after:.4f} | {change:+.1f}% |",
        f"| perplexity | {metrics['eval_perplexity_before']:.2f} | {metrics['eval_perplexity_after']:.2f} | "
        f"{_ratio(metrics['eval_perplexity_after'], metrics['eval_perplexity_before'])} |",
        "",
        "![loss curve](loss_curve.png)",
        "",
        "## Data",
        "",
    ]
    cleaning = metrics["cleaning"]
    redactions = ", ".join(f"{k}: {v}" for k, v in sorted(cleaning["redactions"].items())) or "none"
    lines += [
        f"- conversations read: {cleaning['input']}; kept: {cleaning['kept']}",
        f"- malformed records skipped: {len(problems)}",
        f"- duplicates dropped: {cleaning['duplicates_dropped']}; "
        f"without an agent reply dropped: {cleaning['without_assistant_dropped']}",
        f"- personal data redacted: {redactions}",
    ]
    lines += [f"  - skipped `{p}`" for p in problems[:10]]
    lines += ["", "## Sample replies (held-out customer messages, greedy decoding)", ""]
    for i, s in enumerate(samples, 1):
        lines += [
            f"### {i}",
            "",
            "| | |",
            "| --- | --- |",
            f"| customer | {_cell(s.customer)} |",
            f"| real agent | {_cell(s.reference)} |",
            f"| base model | {_cell(s.base)} |",
            f"| adapted model | {_cell(s.adapted)} |",
            "",
        ]
    lines += ["## Settings", "", "```", *(f"{k} = {v}" for k, v in args.items()), "```", ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def _ratio(after: float, before: float) -> str:
    if not (math.isfinite(after) and math.isfinite(before)) or before == 0:
        return "n/a"
    return f"x{after / before:.2f}"
