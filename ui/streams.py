"""Streams that Gradio can stop from their first moment.

Gradio stops a stream (a client that leaves, a cancel) by closing its generator, but it holds the generator
only once the first output has come back from it. A cancel before that stops nothing, and the model's request
runs to its end: a translation cancelled before its first token went on to generate all of its 712 tokens.
A stream that yields an opening output before doing any work can be stopped from the start.
"""

from __future__ import annotations

import functools


def stoppable(fn, opening):
    """The generator function `fn` with `opening` yielded before `fn` runs: for a UI event `gr.skip()` (nothing
    changes), for an API endpoint the empty form of its output (a client sees it as the stream so far)."""

    @functools.wraps(fn)
    def stream(*args, **kwargs):
        yield opening
        yield from fn(*args, **kwargs)

    return stream
