"""The promotion gate: the verdict's rule, the persisted adapters, and the command on the scripted engine."""

import json

import pytest

from service.adapters import add_served_adapter, served_adapters
from service.errors import AssistantError
from service.settings import Settings
from support.promotion import promotion_verdict


def test_an_adapter_is_promoted_only_when_it_is_not_worse():
    base = {"correct": 0.70, "unsupported_numbers": 0.02}
    assert promotion_verdict(base, {"correct": 0.695, "unsupported_numbers": 0.02}).promoted  # within 0.01
    worse = promotion_verdict(base, {"correct": 0.68, "unsupported_numbers": 0.0})
    assert not worse.promoted and "0.680 is below the current model's 0.700" in worse.reason
    invents = promotion_verdict(base, {"correct": 0.90, "unsupported_numbers": 0.05})
    assert not invents.promoted and "unsupported_numbers 0.050" in invents.reason


def test_promoted_adapters_are_served_with_the_configured_ones(tmp_path):
    add_served_adapter(tmp_path, "support-v2", tmp_path / "a")
    add_served_adapter(tmp_path, "support-v3", tmp_path / "b")
    assert served_adapters(tmp_path) == {"support-v2": tmp_path / "a", "support-v3": tmp_path / "b"}
    settings = Settings(data_dir=tmp_path, adapters={"mine": tmp_path / "c"})
    assert set(settings.served_adapters) == {"support-v2", "support-v3", "mine"}
    (tmp_path / "adapters.json").write_text("[1, 2]")
    with pytest.raises(AssistantError, match="adapters.json is not a JSON object"):
        served_adapters(tmp_path)


def test_promote_command_serves_an_adapter_that_is_not_worse(tmp_path, monkeypatch, capsys, hash_kb_dir):
    from service.__main__ import main

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"id": "1", "lang": "en", "question": "How do returns work?", "must": [["scripted"]], "kind": "fact"}) + "\n")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_KB_EMBEDDING_MODEL", "hash")
    monkeypatch.setattr("service.backends.scripted.ScriptedBackend.models", lambda self: ["scripted", "support-v2"])
    code = main(["promote", "--adapter", str(adapter), "--name", "support-v2", "--qa", str(qa), "--kb", str(hash_kb_dir),
                 "--engine", "scripted"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and result["promoted"] and result["current"]["correct"] == result["adapter"]["correct"]
    assert served_adapters(tmp_path) == {"support-v2": adapter.resolve()}
    assert main(["promote", "--adapter", str(tmp_path / "nope"), "--name", "x", "--qa", str(qa), "--engine", "scripted"]) == 1
    assert "has no adapter_config.json" in capsys.readouterr().err


@pytest.fixture
def hash_kb_dir(tmp_path):
    from knowledge_base import KBSettings, KnowledgeBase
    from knowledge_base.embeddings import HashEmbedder
    from tests.conftest import REPO

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model=HashEmbedder.name)
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=HashEmbedder())
    kb.ingest([REPO / "samples" / "kb" / "returns-and-refunds.html"])
    return settings.kb_dir


@pytest.mark.integration
def test_promote_on_a_real_vllm_with_a_real_adapter(vllm_server, bundled_lora_adapter, tmp_path, monkeypatch, capsys, hash_kb_dir):
    """The session's vLLM serves SmolLM2 and a random LoRA adapter as `tiny-support`: promote asks both the
    same questions and keeps the adapter exactly when its verdict says so."""
    from service.__main__ import main

    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(row) + "\n" for row in [
        {"id": "1", "lang": "en", "question": "How long do I have to return an item?", "must": [["30"]], "kind": "fact"},
        {"id": "2", "lang": "en", "question": "Are returns free?", "must": [["free"]], "kind": "fact"},
    ]))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_KB_EMBEDDING_MODEL", "hash")
    code = main(["promote", "--adapter", str(bundled_lora_adapter), "--name", "tiny-support", "--qa", str(qa),
                 "--kb", str(hash_kb_dir), "--llm-url", vllm_server.base_url])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result["current"]) == set(result["adapter"]) and result["current"]["correct"] is not None
    assert code == (0 if result["promoted"] else 1)
    assert ("tiny-support" in served_adapters(tmp_path)) == result["promoted"]
