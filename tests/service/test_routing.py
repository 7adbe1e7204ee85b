"""Further models beside the base model: served by servers of their own, reached by name (`RoutedBackend`),
chosen per answer language (`AssistantSettings.answer_models`)."""

import pytest

from service.assistant import Assistant
from service.backend_factory import managed_extra_servers, open_backend
from service.backends import GenerationParams
from service.backends.routing import RoutedBackend
from service.backends.scripted import ScriptedBackend
from service.bundled_adapters import BundledAdapter, adapters_for, answer_models_for, merged_checkpoint, with_bundled_adapters
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


def shipped_adapter(tmp_path, base: str = "qwen2.5-coder-1.5b-instruct") -> BundledAdapter:
    folder = tmp_path / "adapters" / "grounded"
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    return BundledAdapter("grounded-zh", base, folder, ("zh",))


def test_a_shipped_adapter_is_served_as_lora_on_a_gpu_and_merged_beside_the_base_on_a_cpu(tmp_path, monkeypatch):
    import service.bundled_adapters as bundled

    monkeypatch.setattr(bundled, "memory_available", lambda: 64 * bundled.GIB)
    monkeypatch.setattr(bundled, "server_memory", lambda settings: 8 * bundled.GIB)
    adapter = shipped_adapter(tmp_path)
    unshipped = BundledAdapter("other", "qwen2.5-coder-1.5b-instruct", tmp_path / "missing", ("en",))
    adapters = (adapter, unshipped)
    assert adapters_for("qwen2.5-coder-1.5b", adapters) == [adapter]  # an alias selects the model too
    assert adapters_for("smollm2-135m-instruct", adapters) == [] and adapters_for("Qwen/Qwen2.5-7B-Instruct", adapters) == []
    settings = Settings(model="qwen2.5-coder-1.5b-instruct", data_dir=tmp_path / "data", bundled_adapters=True)
    assert with_bundled_adapters(settings.model_copy(update={"bundled_adapters": False}), cpu=False, adapters=adapters).adapters == {}
    gpu = with_bundled_adapters(settings, cpu=False, adapters=adapters)
    assert gpu.adapters == {"grounded-zh": adapter.path} and gpu.extra_models == {}
    # On a CPU the adapter is merged once per version of its weights; here the merged copy is already there.
    merged = tmp_path / "data" / "models" / f"qwen2.5-coder-1.5b-instruct-grounded-zh-{adapter.weights_hash()}"
    merged.mkdir(parents=True)
    (merged / "config.json").write_text("{}")
    cpu = with_bundled_adapters(settings, cpu=True, adapters=adapters, log=lambda _: None)
    assert cpu.extra_models == {"grounded-zh": str(merged)} and cpu.adapters == {}
    # Without the memory for a second server beside the base model's, the base answers every language.
    monkeypatch.setattr(bundled, "memory_available", lambda: 12 * bundled.GIB)
    said = []
    assert with_bundled_adapters(settings, cpu=True, adapters=adapters, log=said.append) is settings
    assert said == ["Not serving the grounded-zh adapter: its server needs memory beside the base model's (about 16 GB "
                    "for both, 12 GB available); zh answers come from the base model."]
    before = adapter.weights_hash()
    (adapter.path / "adapter_model.safetensors").write_bytes(b"retrained")
    assert adapter.weights_hash() != before  # new weights: merged_checkpoint makes a new copy
    # Nothing is added when turned off, for another engine or server, or when the user serves that name already.
    for unchanged in (
        settings.model_copy(update={"bundled_adapters": False}), settings.model_copy(update={"engine": "local"}),
        settings.model_copy(update={"llm_url": "http://10.0.0.2:8000/v1"}),
        settings.model_copy(update={"adapters": {"grounded-zh": tmp_path}}), Settings(model="smollm2-135m-instruct"),
    ):
        assert with_bundled_adapters(unchanged, cpu=False, adapters=adapters) is unchanged


def test_each_served_bundled_adapter_answers_its_languages_unless_the_settings_say_otherwise(tmp_path, monkeypatch):
    import service.startup as startup

    adapter = shipped_adapter(tmp_path)
    monkeypatch.setattr(startup, "ADAPTERS", (adapter,))
    monkeypatch.setattr(startup, "answer_models_for", lambda served: answer_models_for(served, (adapter,)))
    assert answer_models_for(["qwen2.5-coder-1.5b-instruct", "grounded-zh"], (adapter,)) == {"zh": "grounded-zh"}
    assert answer_models_for(["qwen2.5-coder-1.5b-instruct"], (adapter,)) == {}
    base = ScriptedBackend()
    backend = RoutedBackend(base, {"grounded-zh": ScriptedBackend()})
    settings, kb = Settings(engine="scripted"), FakeRetriever([RETURNS])
    said = []
    assistant = build_assistant(backend, kb, settings, AssistantSettings(), log=said.append)
    assert assistant.settings.answer_models == {"zh": "grounded-zh"}
    assert said[0] == "Answers in zh come from grounded-zh (ASSISTANT_ANSWER_MODELS)."
    assert build_assistant(backend, kb, settings, AssistantSettings(answer_models={}), log=said.append).settings.answer_models == {}
    assert build_assistant(base, kb, settings, AssistantSettings(), log=said.append).settings.answer_models == {}


def test_the_conversation_store_records_the_model_that_answered_each_turn(tmp_path):
    from support.desk import SupportDesk
    from support.store import ConversationStore

    backend, base, grounded = routed()
    settings = AssistantSettings(company="Voltway", extractive_min_similarity=0.2, answer_models={"zh": "grounded"})
    store = ConversationStore.open(f"sqlite:///{tmp_path / 'conversations.sqlite3'}")
    desk = SupportDesk(Assistant(backend, FakeRetriever([SHIPPING_ZH, RETURNS]), settings), store, model_name="base-model")
    grounded.enqueue("标准快递一般 1-3 个工作日送达。[1]")
    chinese = desk.answer("快递几天能到？", conversation_id=None, channel="api")
    chinese.collect()
    base.enqueue("You can return any item within 30 days of delivery. [1]")
    english = desk.answer("How long do I have to return an item?", conversation_id=None, channel="api")
    english.collect()
    assert [t.model for t in store.turns(chinese.conversation_id)] == ["grounded"]
    assert [t.model for t in store.turns(english.conversation_id)] == ["base-model"]


@pytest.mark.slow
def test_an_adapter_that_cannot_be_merged_is_a_one_sentence_error(tmp_path):
    adapter = shipped_adapter(tmp_path, base="smollm2-135m-instruct")  # an empty config, weights that are no tensors
    with pytest.raises(ModelNotFoundError, match="^Could not merge the grounded-zh adapter into smollm2-135m-instruct: "):
        merged_checkpoint(adapter, tmp_path / "data", log=lambda _: None)
    assert not list((tmp_path / "data" / "models").glob("*grounded-zh*"))  # nothing half-written
