"""The train CLI's flags come from TrainArgs: defaults and types written once."""

import dataclasses
from pathlib import Path

import pytest

from finetune.__main__ import build_parser
from finetune.cli_args import values_for
from finetune.train import TrainArgs


def parse(*flags: str) -> TrainArgs:
    return TrainArgs(**values_for(TrainArgs, build_parser().parse_args(["train", "--data", "a.jsonl", "--output", "out", *flags])))


def test_no_flags_are_the_dataclass_defaults():
    assert parse() == TrainArgs(data=[Path("a.jsonl")], output=Path("out"))


def test_every_field_has_a_flag_with_its_type():
    args = parse(
        "--4bit", "--max-steps", "7", "--lora-r", "4", "--learning-rate", "0.001", "--target-modules", "q_proj", "v_proj",
        "--speaker", "Tom=assistant", "--speaker", "ann=user", "--no-redact", "--no-resume", "--no-progress",
        "--no-gradient-checkpointing", "--company", "Voltway",
    )
    assert args.load_in_4bit and args.max_steps == 7 and args.lora_r == 4 and args.learning_rate == 0.001
    assert args.target_modules == ("q_proj", "v_proj") and args.speakers == {"tom": "assistant", "ann": "user"}
    assert not (args.redact_pii or args.resume or args.progress or args.gradient_checkpointing)
    assert args.company == "Voltway"
    flags = {a.dest for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    assert {f.name for f in dataclasses.fields(TrainArgs)} <= flags


@pytest.mark.parametrize("flags", [["--max-steps", "5", "--epochs", "2"], ["--speaker", "tom=boss"], ["--lora-r", "x"]])
def test_bad_flags_are_refused(flags, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse(*flags)
    assert exit_.value.code == 2 and "error:" in capsys.readouterr().err
