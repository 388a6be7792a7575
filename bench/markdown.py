"""Markdown benchmark: the CPU cost of rendering the most expensive texts the tool will store.

Every text a page renders goes through ``render_markdown`` (CommonMark with markdown-it-py, then
nh3). Parsing time grows with a text's formatting marks, so texts over the budget
(``MAX_MARKDOWN_CHARS``, ``MAX_MARKDOWN_MARKS``) are refused where they are saved and shown as
plain text if they are in the database anyway. This measures, without the render cache:

* hostile texts far over the budget (what an attacker stored): the plain-text path;
* the worst texts just inside the budget, per kind of mark;
* the baseline in the same run: the longest text of the journeys shipped with the tool.

Figures are CPU time (``time.process_time``) per render, which holds when the machine is busy.
``--unbounded`` also times the parser and sanitiser without the budget on the hostile texts,
once each (seconds per text): what a render cost before the budget.

    python bench/markdown.py [--repeat 20] [--unbounded]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from lti_tool.journeys import markdown  # noqa: E402

MARKS = markdown.MAX_MARKDOWN_MARKS
CHARS = markdown.MAX_MARKDOWN_CHARS


def _table(rows: int, columns: int) -> str:
    header = "|" + "|".join(f"h{c}" for c in range(columns)) + "|\n"
    rule = "|" + "|".join("-" for _ in range(columns)) + "|\n"
    body = "".join("|" + "|".join("x" for _ in range(columns)) + "|\n" for _ in range(rows))
    return header + rule + body


HOSTILE: dict[str, str] = {
    "'![' x 50,000": "![" * 50_000,
    "'a**' x 30,000": "a**" * 30_000,
    "table 2,000 rows x 20 columns": _table(2_000, 20),
    "'[' x 50,000 then ']'": "[" * 50_000 + "]",
    "'*_' x 40,000": "*_" * 40_000,
}


def _inside(unit: str, marks_per_unit: int, filler: str = "") -> str:
    """``unit`` repeated to just under the mark budget (and the character budget)."""
    count = (MARKS - 3) // marks_per_unit
    text = (unit + filler) * count
    return text[:CHARS]


INSIDE: dict[str, str] = {
    "'![' to the mark budget": _inside("![", 2),
    "'a**' to the mark budget": _inside("a**", 2),
    "'[' to the mark budget": _inside("[", 1),
    "'*_' to the mark budget": _inside("*_", 2),
    # A row of 6 columns has 7 pipes and a line break (3): 10 marks.
    "table to the mark budget": _table((MARKS - 40) // 10, 6),
    "links '[a](b) ' to the mark budget": _inside("[a](b) ", 2),
    "plain prose to the character budget": ("Eleverna skriver och läser. " * 2_000)[: CHARS - 1],
}


def _shipped_longest() -> str:
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            texts.append(node)

    for path in sorted((ROOT / "lti_tool" / "journeys" / "examples").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return max(texts, key=lambda t: (markdown.markdown_marks(t), len(t)))


def _cpu_ms(render: Callable[[str], object], text: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        markdown.clear_render_cache()
        start = time.process_time()
        render(text)
        samples.append((time.process_time() - start) * 1000)
    return samples


def _row(name: str, text: str, samples: list[float], baseline: float) -> str:
    median = statistics.median(samples)
    return (
        f"{name:<40} {len(text):>8} {markdown.markdown_marks(text):>8} "
        f"{median:>9.2f} {max(samples):>9.2f} {median / baseline:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="renders per text (default 20)")
    parser.add_argument(
        "--unbounded", action="store_true", help="also time the hostile texts without the budget"
    )
    args = parser.parse_args()
    render = markdown.render_markdown
    shipped = _shipped_longest()
    render(shipped)  # warm the parser up once
    baseline = statistics.median(_cpu_ms(render, shipped, args.repeat))
    header = f"{'text':<40} {'chars':>8} {'marks':>8} {'p50 ms':>9} {'max ms':>9} {'x base':>9}"
    print(f"CPU per render, {args.repeat} renders each, cache cleared before each")
    print(header)
    print(_row("baseline: longest shipped text", shipped, [baseline], baseline))
    worst = 0.0
    for group, texts in (("over the budget (plain text)", HOSTILE), ("inside the budget", INSIDE)):
        print(f"-- {group}")
        for name, text in texts.items():
            samples = _cpu_ms(render, text, args.repeat)
            worst = max(worst, statistics.median(samples))
            print(_row(name, text, samples, baseline))
    print(f"worst median: {worst:.2f} ms per render (target: under 50 ms)")
    if args.unbounded:
        print("-- without the budget (parser and sanitiser straight), one render each")
        for name, text in HOSTILE.items():
            samples = _cpu_ms(markdown._render, text, 1)
            print(_row(name, text, samples, baseline))


if __name__ == "__main__":
    main()
