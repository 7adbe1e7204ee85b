"""Further models beside the base model: served by servers of their own, reached by name (`RoutedBackend`),
chosen per answer language (`AssistantSettings.answer_models`)."""

import pytest

from service.assistant import Assistant
from service.backend_factory import managed_extra_servers, open_backend
from service.backends import GenerationParams
from service.backends.routing import RoutedBackend
from service.backends.scripted import ScriptedBackend
from service.errors import ModelNotFoundError
from service.models import ResolvedModel
from service.settings import AssistantSettings, Settings
from service.startup import build_assistant
from service.vllm_server import extra_server_config
from tests.fakes import RETURNS, SHIPPING_ZH, FakeRetriever
from tests.service.fake_openai_server import FakeOpenAIServer


def routed() -> tuple[RoutedBackend, ScriptedBackend, ScriptedBackend]:
    base = ScriptedBackend("from the base", adapters=("support",))
    grounded = ScriptedBackend("from the grounded model")
    return RoutedBackend(base, {"grounded": grounded}), base, grounded


def test_a_request_naming_an_extra_model_goes_to_its_server_and_every_other_to_the_base_server():
    backend, base, grounded = routed()
    assert backend.complete([{"role": "user", "content": "hi"}], GenerationParams(model="grounded")) == "from the grounded model"
    assert grounded.requests[-1][1].model is None  # its server's own base model
    assert backend.complete([{"role": "user", "content": "hi"}], GenerationParams()) == "from the base"
    assert backend.complete([{"role": "user", "content": "hi"}], GenerationParams(model="support")) == "from the base"
    assert base.requests[-1][1].model == "support"  # an adapter of the base server stays its own
    assert len(grounded.requests) == 1 and len(base.requests) == 2
    assert backend.name == "scripted" and backend.models() == ["scripted", "support", "grounded"]


def test_chinese_answers_use_the_model_the_settings_give_chinese_and_english_ones_the_base():
    backend, base, grounded = routed()
    settings = AssistantSettings(company="Voltway", extractive_min_similarity=0.2, answer_models={"zh": "grounded"})
    assistant = Assistant(backend, FakeRetriever([SHIPPING_ZH]), settings)
    grounded.enqueue("标准快递一般 1-3 个工作日送达。[1]")
    reply = assistant.chat("快递几天能到？")
    assert reply.collect() == "标准快递一般 1-3 个工作日送达。[1]" and reply.status == "generated"
    assert len(grounded.requests) == 1 and not base.requests
    english = Assistant(backend, FakeRetriever([RETURNS]), settings)
    base.enqueue("You can return any item within 30 days of delivery. [1]")
    assert english.chat("How long do I have to return an item?").collect().startswith("You can return any item")
    assert len(base.requests) == 1 and base.requests[0][1].model is None and len(grounded.requests) == 1
    # A request that names a model keeps it.
    base.enqueue("标准快递一般 1-3 个工作日送达。[1]")
    assistant.chat("快递几天能到？", params=GenerationParams(model="support")).collect()
    assert base.requests[-1][1].model == "support" and len(grounded.requests) == 1


def test_a_language_given_to_a_model_nobody_serves_is_a_one_sentence_error_at_start():
    backend, _, _ = routed()
    kb = FakeRetriever([RETURNS])
    settings = Settings(engine="scripted")
    with pytest.raises(ModelNotFoundError, match=r"gives zh answers to 'grounded-zh', which is not served \(served: "
                                                 r"scripted, support, grounded\)"):
        build_assistant(backend, kb, settings, AssistantSettings(answer_models={"zh": "grounded-zh"}), log=lambda _: None)
    assistant = build_assistant(backend, kb, settings, AssistantSettings(answer_models={"zh": "grounded"}), log=lambda _: None)
    assert assistant.settings.answer_models == {"zh": "grounded"}


def test_an_extra_model_is_served_like_the_base_model_on_a_port_of_its_own_without_adapters(tmp_path):
    settings = Settings(model="qwen2.5-coder-1.5b-instruct", port=8011, data_dir=tmp_path, adapters={"support": tmp_path})
    merged = ResolvedModel(str(tmp_path), "grounded")
    config = extra_server_config(settings, merged, 8012)
    assert (config.port, config.adapters, config.runtime_lora, config.model.name) == (8012, {}, False, "grounded")
    assert config.reserved_cpus == 0  # the bundled base model's split: a merged adapter is the same size
    assert config.log_path == tmp_path / "logs" / "vllm-8012.log"
    assert "--served-model-name" in config.command() and "grounded" in config.command()
    # Each model the settings name (not a URL) gets the next port, under its own name.
    checkpoint = tmp_path / "merged"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}")
    settings = Settings(port=9000, data_dir=tmp_path, extra_models={"remote": "http://10.0.0.2:8000/v1", "zh": str(checkpoint)})
    configs = managed_extra_servers(settings, log=lambda _: None)
    assert list(configs) == ["zh"] and configs["zh"].port == 9002 and configs["zh"].model.source == str(checkpoint)


def test_an_extra_model_at_a_url_is_reached_through_the_backend_the_app_opens():
    with FakeOpenAIServer() as first, FakeOpenAIServer() as second:
        settings = Settings(llm_url=first.base_url, extra_models={"grounded": second.base_url})
        with open_backend(settings, log=lambda _: None) as backend:
            assert backend.models() == ["base", "support", "grounded"]
            assert backend.complete([{"role": "user", "content": "hi"}], GenerationParams(model="grounded")) == "Hello world"
            assert backend.complete([{"role": "user", "content": "hi"}], GenerationParams()) == "Hello world"
    assert [r["model"] for r in second.requests] == ["base"]  # that server's own base model
    assert [r["model"] for r in first.requests] == ["base"]


def test_extra_models_are_settings_like_the_rest(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EXTRA_MODELS", '{"grounded": "data/adapter/grounded-merged"}')
    monkeypatch.setenv("ASSISTANT_ANSWER_MODELS", '{"zh": "grounded"}')
    assert Settings().extra_models == {"grounded": "data/adapter/grounded-merged"}
    assert AssistantSettings().answer_models == {"zh": "grounded"}
