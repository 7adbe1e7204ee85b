"""Support transcripts in, clean chat conversations out.

Contract:
- `load_transcripts(paths)` reads OpenAI chat JSONL (`{"messages": [{"role", "content"}]}`), ShareGPT
  JSONL (`{"conversations": [{"from", "value"}]}`), CSV (a conversation id, a speaker and a text
  column) and plain-text transcripts (`Customer: ...` / `Agent: ...` lines, a blank line between
  conversations). Speakers are mapped to roles (customer, user, client -> user; agent, support,
  helpdesk, assistant -> assistant; more in `DEFAULT_SPEAKERS`, extendable per call). A malformed
  record is reported as a `Problem` with its file and line number and skipped; a file with no usable
  record, or no usable record at all, is a `FinetuneError`.
- `clean(conversations, system_prompt)` redacts personal data (e-mail addresses, phone numbers, card
  numbers, ID numbers), drops duplicates and conversations without an assistant turn, and puts the
  same system prompt in front of every conversation (the app's prompt, so training matches serving).
- `split(conversations, eval_fraction, seed)` makes a seeded held-out evaluation split.
"""

import csv
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from finetune.errors import FinetuneError
from service.redaction import redact

DEFAULT_SPEAKERS: dict[str, str] = {
    **dict.fromkeys(["customer", "user", "client", "human", "caller", "guest"], "user"),
    **dict.fromkeys(
        ["agent", "support", "helpdesk", "assistant", "gpt", "bot", "representative", "rep", "operator", "staff"],
        "assistant",
    ),
    "system": "system",
}

# CSV column names accepted for each field (case-insensitive), most specific first.
CSV_COLUMNS = {
    "conversation": ["conversation_id", "conversation", "dialogue_id", "dialog_id", "ticket_id", "thread_id", "chat_id", "id"],
    "speaker": ["speaker", "role", "from", "author", "sender"],
    "text": ["text", "message", "content", "utterance", "value", "body"],
}


@dataclass(frozen=True)
class Problem:
    """A record that was skipped, and why; `line` is 1-based."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class Conversation:
    """Messages as `{"role", "content"}` dicts (the shape chat templates and TRL take) and where they came from."""

    messages: list[dict[str, str]]
    source: str

    @property
    def has_assistant_turn(self) -> bool:
        return any(m["role"] == "assistant" for m in self.messages)


@dataclass
class LoadResult:
    conversations: list[Conversation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0


@dataclass
class CleanStats:
    input: int = 0
    kept: int = 0
    duplicates: int = 0
    without_assistant: int = 0
    redactions: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "input": self.input,
            "kept": self.kept,
            "duplicates_dropped": self.duplicates,
            "without_assistant_dropped": self.without_assistant,
            "redactions": dict(self.redactions),
        }


# --------------------------------------------------------------------------------------------------
# Loading


def map_speaker(name: object, speakers: dict[str, str] | None = None) -> str | None:
    """The role for a speaker label ("Agent", "Customer 2", "Support (Tom)"), or None if unknown."""
    if not isinstance(name, str):
        return None
    speakers = speakers or DEFAULT_SPEAKERS
    label = name.strip().lower()
    if label in speakers:
        return speakers[label]
    first = re.match(r"[a-z_]+", label)
    return speakers.get(first.group(0)) if first else None


def detect_format(path: Path) -> str:
    """Guess a file's format from its suffix, or from its first non-empty line."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".txt", ".text", ".log", ".md"):
        return "text"
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip():
                if line.lstrip().startswith("{"):
                    return "jsonl"
                header = {c.strip().lower() for c in line.split(",")}
                if all(any(c in header for c in names) for names in CSV_COLUMNS.values()):
                    return "csv"
                return "text"
    return "text"


def load_transcripts(
    paths: Iterable[str | Path], speakers: dict[str, str] | None = None, progress: bool = False
) -> LoadResult:
    """Read every file; skip (and report) malformed records; raise if nothing usable was found."""
    speakers = {**DEFAULT_SPEAKERS, **{k.lower(): v for k, v in (speakers or {}).items()}}
    result = LoadResult()
    paths = [Path(p) for p in paths]
    if not paths:
        raise FinetuneError("No transcript files given; pass one or more with --data FILE.")
    iterator: Iterable[Path] = paths
    if progress:
        from tqdm import tqdm

        iterator = tqdm(paths, desc="Reading transcripts", unit="file")
    for path in iterator:
        if not path.is_file():
            raise FinetuneError(f"The transcript file {path} does not exist; check the --data path.")
        before = len(result.conversations)
        match detect_format(path):
            case "jsonl":
                reader = _read_jsonl(path, speakers, result)
            case "csv":
                reader = _read_csv(path, speakers, result)
            case _:
                reader = _read_text(path, speakers, result)
        result.conversations.extend(reader)
        if len(result.conversations) == before:
            first = next((str(p) for p in result.problems if p.path == str(path)), "it is empty")
            raise FinetuneError(f"No usable conversation in {path} (first problem: {first}); fix or remove the file.")
    return result


def _conversation(turns: list[tuple[str, str]], source: str) -> Conversation | None:
    """Drop empty turns and merge consecutive turns of one role (agents often send several lines)."""
    messages: list[dict[str, str]] = []
    for role, content in turns:
        content = content.strip()
        if not content:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += "\n" + content
        else:
            messages.append({"role": role, "content": content})
    return Conversation(messages, source) if messages else None


def _read_jsonl(path: Path, speakers: dict[str, str], result: LoadResult) -> Iterator[Conversation]:
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            result.records += 1
            try:
                conversation = _parse_json_record(json.loads(line), speakers)
            except json.JSONDecodeError as e:
                result.problems.append(Problem(str(path), number, f"not valid JSON ({e.msg})"))
                continue
            except ValueError as e:
                result.problems.append(Problem(str(path), number, str(e)))
                continue
            yield Conversation(conversation.messages, f"{path}:{number}")


def _parse_json_record(record: object, speakers: dict[str, str]) -> Conversation:
    """One OpenAI-style or ShareGPT record; ValueError with the reason when it cannot be used."""
    if not isinstance(record, dict):
        raise ValueError("a record must be a JSON object")
    if isinstance(record.get("messages"), list):
        items, speaker_key, text_key = record["messages"], "role", "content"
    elif isinstance(record.get("conversations"), list):
        items, speaker_key, text_key = record["conversations"], "from", "value"
    else:
        raise ValueError('the record has neither a "messages" nor a "conversations" list')
    turns = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get(text_key), str):
            raise ValueError(f'turn {index + 1} needs "{speaker_key}" and a text "{text_key}"')
        role = map_speaker(item.get(speaker_key), speakers)
        if role is None:
            raise ValueError(f"turn {index + 1} has an unknown speaker {item.get(speaker_key)!r}")
        turns.append((role, item[text_key]))
    conversation = _conversation(turns, "")
    if conversation is None:
        raise ValueError("the conversation has no text")
    return conversation


def _find_column(fieldnames: list[str], candidates: list[str]) -> str | None:
    lowered = {name.strip().lower(): name for name in fieldnames if name}
    return next((lowered[c] for c in candidates if c in lowered), None)


def _read_csv(path: Path, speakers: dict[str, str], result: LoadResult) -> Iterator[Conversation]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        columns = {key: _find_column(reader.fieldnames or [], names) for key, names in CSV_COLUMNS.items()}
        missing = [key for key, column in columns.items() if column is None]
        if missing:
            raise FinetuneError(
                f"The CSV file {path} has no {' or '.join(missing)} column; its header needs a conversation id "
                "(e.g. conversation_id), a speaker (e.g. speaker) and a text (e.g. text) column."
            )
        turns: dict[str, list[tuple[str, str]]] = {}
        first_line: dict[str, int] = {}
        for row in reader:
            number = reader.line_num
            result.records += 1
            conversation_id = (row.get(columns["conversation"]) or "").strip()
            text = row.get(columns["text"])
            role = map_speaker(row.get(columns["speaker"]), speakers)
            if not conversation_id:
                result.problems.append(Problem(str(path), number, "the row has no conversation id"))
            elif role is None:
                result.problems.append(Problem(str(path), number, f"unknown speaker {row.get(columns['speaker'])!r}"))
            elif not isinstance(text, str) or not text.strip():
                result.problems.append(Problem(str(path), number, "the row has no text"))
            else:
                turns.setdefault(conversation_id, []).append((role, text))
                first_line.setdefault(conversation_id, number)
    for conversation_id, conversation_turns in turns.items():
        conversation = _conversation(conversation_turns, f"{path}:{first_line[conversation_id]}")
        if conversation:
            yield conversation


_SPEAKER_LINE = re.compile(r"^\s*([A-Za-z][\w .'()#-]{0,40}?)\s*:\s?(.*)$")


def _read_text(path: Path, speakers: dict[str, str], result: LoadResult) -> Iterator[Conversation]:
    """Blocks of `Speaker: text` lines separated by blank lines; unlabelled lines continue the last turn."""
    block: list[tuple[int, str]] = []

    def finish() -> Conversation | None:
        result.records += 1
        turns: list[list[str]] = []
        for number, line in block:
            match = _SPEAKER_LINE.match(line)
            role = map_speaker(match.group(1), speakers) if match else None
            if role is not None:
                turns.append([role, match.group(2)])
            elif match and " " not in match.group(1).strip():
                # A one-word label followed by a colon is meant as a speaker; a typo must not be merged silently.
                result.problems.append(Problem(str(path), number, f"unknown speaker {match.group(1)!r}"))
                return None
            elif turns:
                turns[-1][1] += "\n" + line.strip()
            else:
                result.problems.append(Problem(str(path), number, "the conversation does not start with 'Speaker:'"))
                return None
        return _conversation([(r, t) for r, t in turns], f"{path}:{block[0][0]}")

    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                block.append((number, line.rstrip("\n")))
            elif block:
                if conversation := finish():
                    yield conversation
                block = []
    if block and (conversation := finish()):
        yield conversation


# --------------------------------------------------------------------------------------------------
# Cleaning

def clean(
    conversations: Iterable[Conversation], system_prompt: str, *, redact_pii: bool = True
) -> tuple[list[Conversation], CleanStats]:
    """Redact, drop source system prompts, trailing user turns, duplicates and assistant-less conversations."""
    stats = CleanStats()
    seen: set[str] = set()
    kept: list[Conversation] = []
    for conversation in conversations:
        stats.input += 1
        messages = [
            {"role": m["role"], "content": redact(m["content"], stats.redactions) if redact_pii else m["content"]}
            for m in conversation.messages
            if m["role"] != "system"
        ]
        # Turns after the last assistant reply teach nothing (the loss is on assistant tokens only).
        while messages and messages[-1]["role"] != "assistant":
            messages.pop()
        if not messages:
            stats.without_assistant += 1
            continue
        key = json.dumps([(m["role"], " ".join(m["content"].lower().split())) for m in messages])
        if key in seen:
            stats.duplicates += 1
            continue
        seen.add(key)
        kept.append(Conversation([{"role": "system", "content": system_prompt}, *messages], conversation.source))
    stats.kept = len(kept)
    return kept, stats


def split(
    conversations: list[Conversation], eval_fraction: float, seed: int
) -> tuple[list[Conversation], list[Conversation]]:
    """A seeded shuffle, then at least one conversation on each side."""
    if not 0 < eval_fraction < 1:
        raise FinetuneError(f"--eval-fraction must be between 0 and 1 (got {eval_fraction}); 0.1 is a good default.")
    if len(conversations) < 2:
        raise FinetuneError(
            f"Only {len(conversations)} usable conversation(s) after cleaning; training needs at least 2 "
            "(one to train on, one held out)."
        )
    order = list(conversations)
    random.Random(seed).shuffle(order)
    n_eval = min(len(order) - 1, max(1, round(len(order) * eval_fraction)))
    return order[n_eval:], order[:n_eval]


def write_jsonl(conversations: Iterable[Conversation], path: Path) -> None:
    """Write conversations as OpenAI chat JSONL (what `prepare` outputs and `train` reads back)."""
    with Path(path).open("w", encoding="utf-8") as f:
        for conversation in conversations:
            f.write(json.dumps({"messages": conversation.messages}, ensure_ascii=False) + "\n")
