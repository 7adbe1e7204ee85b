"""Process-level behaviour shared by every entry point (the app and the CLIs)."""

import signal


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit (call from the main thread), so that `with` blocks on the way out
    (the managed vLLM server, open stores) are closed as they are for Ctrl-C."""

    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)
