"""A Markdown table of page runs, side by side: p95 (and median) per page and user, one column per run.

    .venv/bin/python bench/summarize.py bench/results/pages-100k-run1-*.json bench/results/pages-100k-run2-*.json

Each column is headed by the run's label, time and calibration (see bench_pages.calibration), so runs
from different machines or minutes are read with how fast the machine was at the time.
"""

import json
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    runs = [json.loads(Path(path).read_text()) for path in paths]
    heads = []
    for run in runs:
        calibration = run.get("calibration_before", {})
        note = (f" (tpl {calibration['python_template_ms']} / sql {calibration['sql_series_ms']})"
                if calibration else "")
        heads.append(f"{run['label']} {run['at'][11:16]}{note}")
    targets = next((run["targets_ms"] for run in runs if "targets_ms" in run), {})
    print("| page | user | " + " | ".join(heads) + " | target p95 |")
    print("|---|---|" + "---:|" * len(runs) + "---|")
    for key in runs[0]["pages"]:
        page, _, user = key.partition(" / ")
        cells = []
        for run in runs:
            figures = run["pages"].get(key)
            cells.append("—" if figures is None else f"{figures['p95_ms']:.0f} ({figures['median_ms']:.0f})")
        target = targets.get(page)
        print(f"| {page} | {user} | " + " | ".join(cells) + f" | {'≤ ' + str(target) if target else ''} |")


if __name__ == "__main__":
    main(sys.argv[1:])
