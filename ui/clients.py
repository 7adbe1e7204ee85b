"""Who is calling: the client key of a Gradio request, and handler methods as API endpoints that get it.

    gr.api(endpoint(handlers.ask, handlers.limits), api_name="ask")

`endpoint(fn)` is `fn` with its keyword `client` filled from the request (`service.limits.client_key`:
the address, or what a trusted proxy forwarded) and taken out of the signature Gradio shows, so that an
API caller can neither see nor forge it; its user errors are shown as one sentence (`ui.errors.shown`).
The request is the one Gradio is serving on this thread (`gradio.context.LocalContext`, which Gradio sets
around every event function and every step of a stream, and reads itself for `ChatInterface`): the UI's
own event functions call `current_client` without taking the request as an argument.
"""

from __future__ import annotations

import functools
import inspect

from gradio.context import LocalContext

from service.limits import RequestLimits, client_key
from ui.errors import shown


def current_client(limits: RequestLimits) -> str:
    """The client key of the request being served ("unknown" outside one)."""
    request = LocalContext.request.get(None)
    if request is None:
        return "unknown"
    address = request.client.host if request.client else None
    return client_key(address, request.headers.get("x-forwarded-for"), limits.trusted_proxies)


def endpoint(fn, limits: RequestLimits):
    fn = shown(fn)
    signature = inspect.signature(fn)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def call(*args, **kwargs):
            yield from fn(*args, client=current_client(limits), **kwargs)

    else:

        @functools.wraps(fn)
        def call(*args, **kwargs):
            return fn(*args, client=current_client(limits), **kwargs)

    call.__signature__ = signature.replace(parameters=[p for name, p in signature.parameters.items() if name != "client"])
    return call
