"""The one error a `finetune` user can cause: a bad file, an unknown model, an impossible setting.

Its message is one sentence that says what to do; the CLI prints it without a traceback.
"""


class FinetuneError(Exception):
    """A problem the user can fix (bad input file, unknown base model, invalid option)."""
