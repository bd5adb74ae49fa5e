"""How fast does parse_chat read a 50,000-line export? Issue 7 asks for well under 2 seconds.

Run: .venv/bin/python bench/bench_chat_parse.py [--lines 50000] [--runs 7]
Generates a realistic export in memory (multi-line messages, events, media, deleted messages, phone
numbers, direction marks), Android day-first 24-hour and iOS month-first 12-hour with U+202F, and times
several runs of each. No Django needed.
"""

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incidents.chats.parser import parse_chat

AUTHORS = ["Ruth Adeyemi", "Ben Castle", "Karl Dunn", "Jo Price", "Mo Hassan", "\u202a+44 7700 900123\u202c"]
WORDS = (
    "swimming kit list towel goggles trip letter deputy head gate tomorrow homework reading book uniform "
    "parents evening pickup late club fees: dinner money - [urgent] (sorry) thanks everyone"
).split()


def _stamp(platform: str, when: datetime) -> str:
    if platform == "android":
        return f"{when:%d/%m/%Y}, {when:%H:%M} - "
    hour = when.hour % 12 or 12
    return f"[{when:%m/%d/%y}, {hour}:{when:%M:%S}\u202f{'PM' if when.hour >= 12 else 'AM'}] "


def generate(platform: str, lines: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    when = datetime(2026, 1, 3, 7, 0)
    out: list[str] = [_stamp(platform, when) + "Messages and calls are end-to-end encrypted."]
    mark = "\u200e" if platform == "ios" else ""
    while len(out) < lines:
        when += timedelta(seconds=rng.randint(5, 900))
        author = rng.choice(AUTHORS)
        roll = rng.random()
        stamp = _stamp(platform, when)
        if roll < 0.03:
            out.append(f"{stamp}{mark}{author} added {rng.choice(AUTHORS)}")
        elif roll < 0.06:
            media = "<Media omitted>" if platform == "android" else "\u200e<attached: 00000042-PHOTO.jpg>"
            out.append(f"{stamp}{author}: {media}")
        elif roll < 0.08:
            out.append(f"{stamp}{author}: {mark}This message was deleted")
        else:
            words = " ".join(rng.choices(WORDS, k=rng.randint(3, 25)))
            out.append(f"{stamp}{author}: {words}")
            for _ in range(rng.choice((0, 0, 0, 1, 2, 4))):
                out.append(" ".join(rng.choices(WORDS, k=rng.randint(1, 12))))
    return "\n".join(out[:lines]) + "\n"


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--lines", type=int, default=50_000)
    arguments.add_argument("--runs", type=int, default=7)
    options = arguments.parse_args()

    for platform, order in (("android", "dmy"), ("ios", "mdy")):
        text = generate(platform, options.lines)
        timings = []
        for _ in range(options.runs):
            started = time.perf_counter()
            chat = parse_chat(text)
            timings.append(time.perf_counter() - started)
        assert chat.date_order == order, chat.date_order
        tracemalloc.start()
        parse_chat(text)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        median = statistics.median(timings)
        print(
            f"{platform:8} {order}: {options.lines} lines, {len(chat.entries)} entries, "
            f"median {median:.3f} s, max {max(timings):.3f} s, "
            f"{options.lines / median:,.0f} lines/s, peak memory {peak / 1024 / 1024:.1f} MB "
            f"(text itself {len(text.encode()) / 1024 / 1024:.1f} MB)"
        )


if __name__ == "__main__":
    main()
