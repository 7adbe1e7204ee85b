"""The chat template used for training: the base model's own, plus `{% generation %}` markers.

TRL's `assistant_only_loss` finds the assistant tokens through those markers. The training template
must render exactly the text the inference template renders (the markers themselves print nothing),
or the adapter learns a format it never sees when served; `training_chat_template` checks that.
"""

from finetune.errors import FinetuneError

# ChatML (SmolLM2, Qwen2.5 and many others). The assistant's <|im_end|> is inside the markers so
# the model is trained to stop; the newline after it belongs to the next turn's framing.
CHATML_TRAINING_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ message['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_PROBE = [
    {"role": "system", "content": "You are a helpful support assistant."},
    {"role": "user", "content": "Where is my order?"},
    {"role": "assistant", "content": "Could you send me the order number?"},
    {"role": "user", "content": "It is 1234."},
    {"role": "assistant", "content": "Thanks, it ships tomorrow."},
]


def training_chat_template(tokenizer) -> str:
    """A template with generation markers that renders like the tokenizer's own; FinetuneError if none is known."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = tokenizer.chat_template
    if not template:
        raise FinetuneError("The base model's tokenizer has no chat template; fine-tune a chat (instruct) model.")
    if has_generation_markers(template):
        return template
    try:
        patched = get_training_chat_template(tokenizer)
    except ValueError:
        patched = None
    else:
        if patched is None:
            return template
    if patched is None and _renders_like(tokenizer, template, CHATML_TRAINING_TEMPLATE):
        patched = CHATML_TRAINING_TEMPLATE
    if patched is None:
        raise FinetuneError(
            "The base model's chat template is neither ChatML nor one TRL knows how to mark for assistant-only "
            "loss; use a ChatML model (e.g. SmolLM2 or Qwen2.5) or add {% generation %} markers to its template."
        )
    return patched


def _renders_like(tokenizer, template: str, candidate: str) -> bool:
    for prompt in (False, True):
        messages = _PROBE[:-1] if prompt else _PROBE
        try:
            rendered = [
                tokenizer.apply_chat_template(messages, chat_template=t, tokenize=False, add_generation_prompt=prompt)
                for t in (template, candidate)
            ]
        except Exception:  # a template that fails on a plain conversation cannot be the same one
            return False
        if rendered[0] != rendered[1]:
            return False
    return True
