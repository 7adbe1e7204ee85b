"""Reply e-mail drafts written as the customer, with and without the worked replies (`ASSISTANT_CONTENT_EXAMPLES`),
side by side in one run against a running model server.

Each brief (a customer's own message, or a colleague's note about one, English and Chinese) is drafted as a reply
e-mail at each seed, through `Assistant.generate` as the Write tab drafts it. A draft speaks as the customer when it
tells the customer's story in the first person ("I opened my Aria X2 last week", "I wanted to confirm if Voltway ships
to Switzerland") or writes to the company ("尊敬的 Voltway支持团队"), or is signed with placeholders for the writer's own name
("[您的名字]"): a heuristic (`speaks_as_customer`), so the drafts are written to `--out` for reading as well. Prints one
line per setting: drafts, drafts speaking as the customer, median length in characters.

    .venv/bin/python bench/drafts.py --llm-url http://127.0.0.1:8011/v1 [--kb data/kb] [--seeds 1 2] [--out F.json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.startup import assistant_session  # noqa: E402

BRIEFS = (
    "hi, i opened my aria x2 last week and dont like the sound, can i still send them back?",
    "My Nimbus 14 screen flickers. It's 14 months old. Is that covered and how long will the repair take?",
    "do you ship to switzerland and how much is it",
    "customer asks whether they can return opened Aria X2 headphones after 3 weeks",
    "customer wants to know when their refund arrives, returned a laptop 5 days ago",
    "Customer complains the HomeHub ring light is red after a restart",
    "我上周买的耳机不喜欢 能退吗 运费谁出",
    "顾客问退货运费谁出",
)

_CUSTOMER_VOICE = re.compile(
    r"\bI(?: have|'ve| am|'m)? (?:opened|bought|purchased|received|ordered|returned|noticed|tried)\b"
    r"|\bI (?:am|'m) (?:writing to|wondering|concerned|not (?:happy|satisfied))"
    r"|\bI would like to return\b|\bI wanted to (?:confirm|ask|know)|\bmy (?:order|refund)\b"
    r"|尊敬的\s*\S*(?:团队|客服)|\[您的(?:名字|姓名|职位)\]|我(?:上周|刚|之前)?(?:买的|购买的|收到的)",
    re.IGNORECASE,
)


def speaks_as_customer(draft: str) -> bool:
    """The draft tells the customer's story as theirs, writes to the company, or leaves the writer's name to fill in."""
    return bool(_CUSTOMER_VOICE.search(draft))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-url", default="http://127.0.0.1:8011/v1")
    parser.add_argument("--kb", default="data/kb")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path, help="write every draft here (JSON)")
    args = parser.parse_args()
    jobs = [(seed, brief) for seed in args.seeds for brief in BRIEFS]
    drafts = {}
    for examples in (False, True):
        kb, settings = KBSettings(kb_dir=args.kb), AssistantSettings(content_examples=examples)
        with assistant_session(Settings(llm_url=args.llm_url), kb, settings) as a, ThreadPoolExecutor(args.workers) as pool:
            done = pool.map(lambda job: a.generate("reply_email", job[1], "friendly", params=a.params(seed=job[0])).collect(), jobs)
            drafts.update({(examples, *job): d for job, d in zip(jobs, done)})
    rows = [{"examples": e, "seed": s, "brief": b, "draft": d, "as_customer": speaks_as_customer(d)}
            for (e, s, b), d in drafts.items()]
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    for on in (False, True):
        mine = [r for r in rows if r["examples"] == on]
        chars = statistics.median(len(r["draft"]) for r in mine)
        print(f"worked replies {'on ' if on else 'off'}: {len(mine)} drafts, {sum(r['as_customer'] for r in mine)} "
              f"speaking as the customer, median {chars:.0f} characters")


if __name__ == "__main__":
    main()
