"""Command-line flags from a dataclass's fields, so that the dataclass is the one place where a training
option, its default and its help are written (as TRL's and transformers' HfArgumentParser do).

Each field becomes `--field-name` with the field's type, default and `metadata["help"]`. A field without a
default is required. A bool that defaults to True becomes `--no-field-name` (or `metadata["flag"]`); one that
defaults to False a plain switch. `list`/`tuple` fields take several values; `X | None` takes an X. Also read
from `metadata`: `flag` (the flag's name), `cli` (more `add_argument` keywords, winning over the derived
ones: a `type`, `action="append"`, a `metavar`, the help of a `--no-...` flag), and `exclusive` (fields
sharing that name exclude each other).
`values_for` turns the parsed namespace back into the dataclass's keyword arguments.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Iterable
from typing import Any


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type, only: Iterable[str] | None = None) -> None:
    """One flag per field of the dataclass `cls` (or per field named in `only`), on `parser`."""
    hints = typing.get_type_hints(cls)
    groups: dict[str, Any] = {}
    chosen = None if only is None else set(only)
    for f in dataclasses.fields(cls):
        if chosen is not None and f.name not in chosen:
            continue
        meta = f.metadata
        target = parser
        if "exclusive" in meta:
            if meta["exclusive"] not in groups:
                groups[meta["exclusive"]] = parser.add_mutually_exclusive_group()
            target = groups[meta["exclusive"]]
        flag, kwargs = _flag(f, hints[f.name])
        kwargs = {"help": meta.get("help", ""), **kwargs, **meta.get("cli", {})}
        kwargs["help"] = kwargs["help"].replace("%", "%%")  # argparse formats help with %
        target.add_argument(meta.get("flag", flag), dest=f.name, **kwargs)


def values_for(cls: type, namespace: argparse.Namespace) -> dict:
    """The dataclass's keyword arguments from a namespace `add_dataclass_arguments` parsed."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        value = getattr(namespace, f.name)
        origin = typing.get_origin(hints[f.name])
        if origin is tuple and value is not None:
            value = tuple(value)
        elif origin is dict and isinstance(value, list):
            value = dict(value)
        values[f.name] = value
    return values


def _default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _flag(f: dataclasses.Field, hint) -> tuple[str, dict]:
    name = f.name.replace("_", "-")
    default = _default(f)
    if hint is bool:
        if default is True:
            return f"--no-{name}", {"action": "store_false"}
        return f"--{name}", {"action": "store_true"}
    kwargs: dict = {} if default is dataclasses.MISSING else {"default": list(default) if isinstance(default, tuple) else default}
    if default is dataclasses.MISSING:
        kwargs["required"] = True
    hint = _without_none(hint)
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        kwargs |= {"nargs": "+", "type": typing.get_args(hint)[0]}
    elif origin is None:
        kwargs["type"] = hint
    return f"--{name}", kwargs


def _without_none(hint):
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint
