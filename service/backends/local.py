"""The in-process transformers backend: for machines where vLLM cannot run, and for fast tests.

Contract: same as every `ChatBackend`. Generation runs in a worker thread that feeds a
`TextIteratorStreamer`; one generation at a time (a lock), because a single in-process model is not
a batching server. Closing the stream early stops the generation at the next token. Options:
4-bit NF4 loading through bitsandbytes, and peft LoRA adapters selected by name per request.
"""

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from service.backends import ChatBackend, ChatMessage, GenerationParams
from service.errors import AssistantError, ModelNotFoundError
from service.hardware import cpu_float_dtype
from service.loading import load_causal_lm
from service.models import ResolvedModel


def local_dtype(setting: str) -> str:
    """The torch dtype (by name) the in-process engine loads the model in for the `dtype` setting: as given, except
    "auto": bfloat16 on a GPU, else what this CPU computes fastest (`cpu_float_dtype`)."""
    if setting != "auto":
        return setting
    import torch

    return "bfloat16" if torch.cuda.is_available() else cpu_float_dtype()


class TransformersBackend(ChatBackend):
    def __init__(
        self,
        model: ResolvedModel,
        *,
        quantization: str = "none",
        adapters: dict[str, Path] | None = None,
        dtype: str = "float32",
        threads: int | None = None,
    ):
        import torch
        from transformers import AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self.name = model.name
        self.tokenizer = AutoTokenizer.from_pretrained(model.source)
        self.model = load_causal_lm(model.source, getattr(torch, local_dtype(dtype)), load_in_4bit=quantization == "bitsandbytes")
        self.adapter_names: list[str] = []
        for adapter_name, path in (adapters or {}).items():
            self._load_adapter(adapter_name, Path(path))
        self.model.eval()
        self._lock = threading.Lock()

    def _load_adapter(self, adapter_name: str, path: Path) -> None:
        if not (path / "adapter_config.json").is_file():
            raise ModelNotFoundError(f"The adapter folder {path} has no adapter_config.json; pass a PEFT adapter folder.")
        if not self.adapter_names:
            from peft import PeftModel

            self.model = PeftModel.from_pretrained(self.model, str(path), adapter_name=adapter_name)
        else:
            self.model.load_adapter(str(path), adapter_name=adapter_name)
        self.adapter_names.append(adapter_name)

    def models(self) -> list[str]:
        return [self.name, *self.adapter_names]

    def stream(self, messages: list[ChatMessage], params: GenerationParams = GenerationParams()) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        if params.model not in (None, self.name, *self.adapter_names):
            raise ModelNotFoundError(f"Unknown model '{params.model}': choose one of {', '.join(self.models())}.")
        inputs = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_dict=True, return_tensors="pt"
        ).to(self.model.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancelled = threading.Event()

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return cancelled.is_set()

        sampling = params.temperature > 0
        generate_kwargs = dict(
            **inputs,
            streamer=streamer,
            max_new_tokens=params.max_tokens,
            min_new_tokens=params.min_tokens or None,
            do_sample=sampling,
            temperature=params.temperature if sampling else None,
            top_p=params.top_p if sampling else None,
            top_k=params.top_k if sampling else None,
            repetition_penalty=params.repetition_penalty,
            stopping_criteria=StoppingCriteriaList([_Cancelled()]),
            pad_token_id=(
                self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
            ),
        )
        if params.stop:
            generate_kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                with self._adapter_for(params.model), torch.inference_mode():
                    if params.seed is not None:
                        torch.manual_seed(params.seed)
                    self.model.generate(**generate_kwargs)
            except BaseException as e:  # reported to the consumer, which would otherwise wait forever
                failure.append(e)
                streamer.end()

        with self._lock:
            worker = threading.Thread(target=generate, name="local-generate", daemon=True)
            worker.start()
            try:
                yield from streamer
            finally:
                cancelled.set()
                worker.join()
        if failure:
            raise AssistantError(f"The local model failed while generating: {failure[0]}.") from failure[0]

    def _adapter_for(self, model_name: str | None):
        """Activate the named adapter, or disable adapters for the base model."""
        if not self.adapter_names:
            return contextlib.nullcontext()
        if model_name in self.adapter_names:
            self.model.set_adapter(model_name)
            return contextlib.nullcontext()
        return self.model.disable_adapter()
