"""Service errors as Gradio shows them: the one-sentence message, never a traceback."""

from __future__ import annotations

import functools
import inspect

import gradio as gr

from knowledge_base import KnowledgeBaseError
from service.errors import AssistantError

_SHOWN = (AssistantError, KnowledgeBaseError)


def shown(fn):
    """`fn` (a function or a generator function) with its user errors raised as `gr.Error`; the signature
    and type hints stay visible to Gradio, which derives API endpoints from them."""
    if inspect.isgeneratorfunction(fn) or inspect.isgeneratorfunction(getattr(fn, "__func__", None)):

        @functools.wraps(fn)
        def stream(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except _SHOWN as e:
                raise gr.Error(str(e)) from e

        return stream

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except _SHOWN as e:
            raise gr.Error(str(e)) from e

    return call
