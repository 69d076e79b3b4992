"""`make bench`: build speed and memory on a synthetic site.

Writes N pages (default 4,000: front matter as in PRODUCT.md, about 3 KB of Markdown each with
headings, lists and internal links) with matching data files, then reports the median wall
time and peak memory of a cold build, a warm build (nothing changed) and a build after editing
one page. Times on these machines drift; quote medians.

    .venv/bin/python scripts/bench.py [--pages 4000] [--runs 3] [--search]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-28"
WORDS = (
    "spine tumor doctor scan care team nerve bone pain test plan week month treatment surgery "
    "radiation follow visit cell growth slow rare common back neck leg arm weak numb call nurse"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 14))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, links: list[str]) -> str:
    parts = [sentence(rng) for _ in range(rng.randint(3, 5))]
    target = rng.choice(links)
    parts.insert(1, f"Read about [{target.strip('/').split('/')[-1].replace('-', ' ')}]({target}).")
    return " ".join(parts)


def body(rng: random.Random, links: list[str]) -> str:
    out = []
    for section in range(4):
        out.append(f"## Section {section + 1} of the page")
        out.append(paragraph(rng, links))
        out.append("\n".join(f"- {sentence(rng)}" for _ in range(3)))
        out.append(f"### More about part {section + 1}")
        out.append(paragraph(rng, links))
    return "\n\n".join(out) + "\n"


def write_tree(root: Path, pages: int, seed: int = 7) -> Path:
    """A synthetic source folder with about `pages` pages, the same for the same arguments."""
    rng = random.Random(seed)
    tumors, tests, treatments = pages // 2, pages // 4, pages - pages // 2 - pages // 4
    names = {
        "tumors": [f"tumor-{i:05d}" for i in range(tumors)],
        "tests": [f"test-{i:05d}" for i in range(tests)],
        "treatments": [f"treatment-{i:05d}" for i in range(treatments)],
    }
    links = [f"/{section}/{slug}/" for section, slugs in names.items() for slug in slugs[:400]]
    (root / "data").mkdir(parents=True)
    shutil.copy(REPO / "data/site.yaml", root / "data/site.yaml")
    locations = []
    for i in range(5):
        locations.append(
            f"- id: place-{i}\n  name: Sample place {i}\n  kind: {'hospital' if i == 0 else 'clinic'}\n"
            f'  address: {{street: {i} Sample Way, city: Durham, state: NC, zip: "27710"}}\n'
            f'  geo: {{lat: 36.0{i}, lng: -78.9{i}}}\n  phone: "+1919555011{i}"\n'
            f'  hours:\n    - {{days: [Mo, Tu, We, Th, Fr], opens: "08:00", closes: "17:00"}}\n  sample: true\n'
        )
    (root / "data/locations.yaml").write_text("\n".join(locations))
    providers = []
    for i in range(60):
        conditions = ", ".join(rng.sample(names["tumors"], 25))
        providers.append(
            f"- id: dr-sample-{i:03d}\n  name: Sample Doctor {i}\n  family_name: Doctor{i:03d}\n  credentials: MD\n"
            f"  specialties: [Neurosurgery]\n  conditions: [{conditions}]\n  locations: [place-{i % 5}]\n"
            f"  languages: [English]\n  accepting_new_patients: {'true' if i % 3 else 'false'}\n  sample: true\n"
        )
    (root / "data/providers.yaml").write_text("\n".join(providers))
    (root / "data/claims.yaml").write_text(
        '- id: count\n  text: A sample claim.\n  source: {name: Sample, url: "https://example.org/"}\n  valid_until: 2030-01-01\n'
    )
    content = root / "content"
    for section, slugs in names.items():
        (content / section).mkdir(parents=True)
        (content / section / "_index.md").write_text(f"---\ntitle: {section.title()}\nsummary: All {section}.\n---\n\nEvery page.\n")
        for slug in slugs:
            front = [
                f"title: {slug.replace('-', ' ').title()}",
                f"summary: {sentence(rng)}",
                f"also_known_as: [{slug} other name]",
                f"search_terms: [{slug[:-1]}]",
                f"medically_reviewed: 2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
                f"reviewed_by: dr-sample-{rng.randrange(60):03d}",
            ]
            if section == "tumors":
                front += [
                    "group: " + rng.choice(["spinal-column", "spinal-cord", "benign", "metastatic"]),
                    f"tests: [{', '.join(rng.sample(names['tests'], 3))}]",
                    f"treatments: [{', '.join(rng.sample(names['treatments'], 2))}]",
                ]
            (content / section / f"{slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n\n" + body(rng, links))
    (content / "_index.md").write_text(
        f"---\ntitle: Home\nsummary: Home.\nmedically_reviewed: 2026-01-01\nreviewed_by: dr-sample-000\n---\n\n{body(rng, links)}"
    )
    return root


def timed_build(source: Path, out: Path, search: bool) -> tuple[float, float]:
    """(seconds, peak MB of the build process) for one build."""
    command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(source), "--out", str(out), "--today", TODAY]
    if not search:
        command.append("--no-search")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"build failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def report(name: str, runs: list[tuple[float, float]]) -> None:
    times = [t for t, _ in runs]
    print(
        f"{name:<34} median {statistics.median(times):7.2f} s   (min {min(times):.2f}, max {max(times):.2f})   "
        f"peak {max(m for _, m in runs):6.0f} MB   n={len(runs)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--search", action="store_true", help="also time a cold build with the search index")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spine-bench-"))
    try:
        source = write_tree(work / "source", args.pages)
        markdown = sum(p.stat().st_size for p in (source / "content").rglob("*.md"))
        pages = len(list((source / "content").rglob("*.md")))
        print(f"{pages} pages, {markdown / pages / 1024:.1f} KB of Markdown each on average; {args.runs} runs each; {os.cpu_count()} cores")
        out = work / "site"
        cold, warm, edited = [], [], []
        page = source / "content/tumors/tumor-00001.md"
        original = page.read_text()
        for run in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            cold.append(timed_build(source, out, search=False))
            warm.append(timed_build(source, out, search=False))
            page.write_text(original.replace("## Section 1", f"## Section 1 (edit {run})", 1))
            edited.append(timed_build(source, out, search=False))
            page.write_text(original)
        report("cold build, --no-search", cold)
        report("warm build, nothing changed", warm)
        report("one page's body edited", edited)
        if args.search:
            searched = []
            for _ in range(args.runs):
                shutil.rmtree(out, ignore_errors=True)
                searched.append(timed_build(source, out, search=True))
            report("cold build with the search index", searched)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"output: {files} files, {size / 1e6:.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
