"""Tiny models built in the test run, so fast tests never need real weights or a download."""

from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
WORDS = (
    "user assistant system hello hi how can i help you your order refund return shipping password reset account the a is to "
    "of and in it for on with we please thanks yes no when where what my was will be has been"
).split()


def build_tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    vocab = {token: i for i, token in enumerate(specials + ["\n"] + WORDS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split("\n", behavior="isolated"), pre_tokenizers.WhitespaceSplit()]
    )
    backend.decoder = decoders.WordPiece(prefix="##", cleanup=False)  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
    )
    tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def save_tiny_chat_model(directory: Path) -> Path:
    """Save a 2-layer, 64-wide random Llama and its ChatML tokenizer into `directory`."""
    return save_random_llama(directory, build_tiny_tokenizer(), hidden_size=64, layers=2, max_positions=512)


def save_random_llama(
    directory: Path, tokenizer, *, hidden_size: int, layers: int, max_positions: int, dtype=None, **config
) -> Path:
    """Save a random Llama (4 attention heads, 2 KV heads, MLP twice as wide) for `tokenizer`, and the tokenizer.
    Also bench/gpu_paths.py's model: a real tokenizer, random weights, no download."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **config,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    (model.to(dtype) if dtype is not None else model).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def save_random_lora(base_model_dir: str | Path, directory: Path, rank: int = 8, scale: float = 0.5) -> Path:
    """Save a peft LoRA adapter (q_proj, v_proj) whose weights are random and large enough to change outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_model_dir, dtype=torch.float32)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, config)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_" in name:
                param.normal_(0.0, scale)
    model.save_pretrained(directory)
    return directory
