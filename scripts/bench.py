"""`make bench`: build and review speed and memory on a synthetic site.

Writes N pages (default 4,000: front matter as in PRODUCT.md, about 3 KB of Markdown each with
headings, lists and internal links) with matching data files, then reports the median wall
time and peak memory of a cold build, a warm build (nothing changed) and a build after editing
one page, beside Hugo, Eleventy and the floor (scripts/floor.py: markdown-it-py alone, on every
core). Times on these machines drift; quote medians.

With --review, it makes the tree a git repository with fixed commit dates instead (every page
reviewed when added, then commits that edit some pages' bodies, re-review others in their
front matter alone, and edit and then re-review a third set) and times `review`: the first
run (no cache) and the second (the cache of the first), the median of 5 runs each.

    .venv/bin/python scripts/bench.py [--pages 4000] [--runs 3] [--search]
    .venv/bin/python scripts/bench.py --review [--pages 4000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
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


# The page every tumor page of the link-heavy corpus lists among its tests, as every tumor
# lists MRI: a third of the site shows its title.
LISTED = "test-00000"


# Every medical page cites two sources (content._checked_page): a bench page is a published one.
SOURCES = (
    'sources: [{title: Sample source one, publisher: Sample Publisher, url: "https://example.org/sources/one", accessed: 2026-01-02},'
    ' {title: Sample source two, publisher: Sample Publisher, url: "https://example.org/sources/two", accessed: 2026-01-03}]'
)


def write_tree(root: Path, pages: int, seed: int = 7, link_heavy: bool = False) -> Path:
    """A synthetic source folder with about `pages` pages, the same for the same arguments.
    link_heavy: two thirds of the tumor pages (a third of the site) list LISTED."""
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
            f'  address: {{street: {i} Sample Way, city: Durham, state: NC, zip: "27701"}}\n'
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
                SOURCES,
            ]
            if section == "tumors":
                front += [
                    "group: " + rng.choice(["spinal-column", "spinal-cord", "benign", "metastatic"]),
                    f"tests: [{', '.join(_tests_of(rng, names['tests'], link_heavy))}]",
                    f"treatments: [{', '.join(rng.sample(names['treatments'], 2))}]",
                    "regions: {levels: [thoracic], compartments: [bone]}",
                ]
            (content / section / f"{slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n\n" + body(rng, links))
    (content / "_index.md").write_text(
        f"---\ntitle: Home\nsummary: Home.\nmedically_reviewed: 2026-01-01\nreviewed_by: dr-sample-000\n{SOURCES}\n---\n\n{body(rng, links)}"
    )
    return root


def _tests_of(rng: random.Random, tests: list[str], link_heavy: bool) -> list[str]:
    chosen = rng.sample(tests, 3)
    if link_heavy and rng.random() < 2 / 3 and LISTED not in chosen:
        chosen[0] = LISTED
    return chosen


def timed_build(source: Path, out: Path, search: bool) -> tuple[float, float]:
    """(seconds, peak MB of all its processes) for one build."""
    command = ["build", "--source", str(source), "--out", str(out), "--today", TODAY]
    return timed(command + ([] if search else ["--no-search"]))


def timed(arguments: list[str], output: Path | None = None) -> tuple[float, float]:
    """(seconds, peak MB of all its processes) for one run of build.py, its output to a file or nowhere."""
    return run_timed([sys.executable, str(REPO / "build.py"), *arguments], output)


def run_timed(command: list[str], output: Path | None = None) -> tuple[float, float]:
    """(seconds, peak MB of all its processes together) for one run of a command, its output to
    a file or nowhere. Memory is the proportional set size (shared pages split between the
    processes sharing them) of the command and every process it starts, sampled every 50 ms."""
    import threading

    peak = [0.0]
    started = time.perf_counter()
    with open(output or os.devnull, "wb") as out, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=out, stderr=errors)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_pss_kb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        if status != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command[:3])} failed: {errors.read().decode()[-2000:]}")
    return elapsed, max(peak[0], usage.ru_maxrss) / 1024


def _tree_pss_kb(root: int) -> float:
    """The proportional set size, in KB, of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            pass
    return total


def make_history(source: Path, batch: int = 40) -> int:
    """Make the tree a git repository with fixed commit dates: every page added (its first
    review), then commits of `batch` pages each: body edits on every tenth page (changed since
    review), front-matter-only re-reviews on others, edits then re-reviews on a third set.
    Returns the number of commits."""
    commits: list[str] = []

    def commit(message: str) -> None:
        when = (dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=len(commits))).isoformat()
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        identity = ["-c", "user.name=Bench Editor", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", *identity, "add", "-A"], cwd=source, env=env, check=True)
        subprocess.run(["git", *identity, "commit", "-q", "-m", message], cwd=source, env=env, check=True)
        commits.append(message)

    def batches(paths: list[Path]):
        return (paths[i : i + batch] for i in range(0, len(paths), batch))

    def edit_body(path: Path) -> None:
        path.write_text(path.read_text().replace("## Section 1 of the page", "## Section 1 of this page", 1))

    def re_review(path: Path) -> None:
        path.write_text(re.sub(r"(?m)^medically_reviewed: .*$", "medically_reviewed: 2026-11-20", path.read_text(), count=1))

    (source / ".gitignore").write_text(".cache/\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=source, check=True)
    commit("Add the pages")
    pages = sorted(p for p in (source / "content").glob("*/*.md") if p.name != "_index.md")
    edited, reviewed, edited_then_reviewed = pages[0::10], pages[3::10], pages[6::10]
    for group in batches(edited + edited_then_reviewed):
        for path in group:
            edit_body(path)
        commit(f"Edit {len(group)} pages")
    for group in batches(reviewed + edited_then_reviewed):
        for path in group:
            re_review(path)
        commit(f"Medical review of {len(group)} pages")
    return len(commits)


def bench_review(work: Path, pages: int, runs: int) -> None:
    source = write_tree(work / "source", pages)
    commits = make_history(source)
    command = ["review", "--source", str(source), "--today", TODAY, "--format", "json"]
    first, second = [], []
    for _ in range(runs):
        set_aside(source / ".cache")
        first.append(timed(command))
        second.append(timed(command, work / "review.json"))
    counts = Counter(row["status"] for row in json.loads((work / "review.json").read_text()))
    print(f"review of {sum(counts.values())} medical pages, {commits} commits; {runs} runs each; {os.cpu_count()} cores")
    print("statuses: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    report("first run (no cache)", first)
    report("second run (cache of the first)", second)


def report(name: str, runs: list[tuple[float, float]]) -> None:
    times = [t for t, _ in runs]
    print(
        f"{name:<34} median {statistics.median(times):7.2f} s   (min {min(times):.2f}, max {max(times):.2f})   "
        f"peak {max(m for _, m in runs):6.0f} MB   n={len(runs)}"
    )


def search_figures(site: Path, runs: int) -> None:
    """The search index step on its own, and what a first search downloads in Chromium."""
    sys.path.insert(0, str(REPO))
    from sitegen.problems import Problems
    from sitegen.search import build_index

    pages = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}
    times = []
    for _ in range(runs):
        target = Path(tempfile.mkdtemp(dir=ASIDE)) / "pagefind"
        os.sync()
        started = time.perf_counter()
        build_index(site, target, Problems())
        times.append(time.perf_counter() - started)
    indexed = sum(b"data-pagefind-body" in data for data in pages.values())
    print(
        f"{'search index alone (' + str(indexed) + ' pages)':<34} median {statistics.median(times):7.2f} s   (min {min(times):.2f}, max {max(times):.2f})"
    )
    try:
        sys.path.insert(0, str(REPO / "tests"))
        from browser import ARGS, CHROMIUM
        from playwright.sync_api import sync_playwright
        from serving import serve_site
    except ImportError:
        print("first search download: skipped (Playwright is not installed; run make test once)")
        return
    if not Path(CHROMIUM).exists():
        print("first search download: skipped (no /usr/bin/chromium)")
        return
    with serve_site(site) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(origin + "search/")
        sizes: dict[str, int] = {}
        page.on("response", lambda response: sizes.__setitem__(response.url, len(response.body())) if response.ok else None)
        page.locator("#search-page-q").fill("tumor")
        page.wait_for_selector(".result")
        page.wait_for_load_state("networkidle")
        browser.close()
    search_bytes = sum(size for url, size in sizes.items() if "/pagefind/" in url or "search-words" in url)
    print(
        f"first search for 'tumor' downloads {search_bytes / 1024:.0f} KB in {len(sizes)} requests "
        f"(Pagefind's bundle and index chunks; the page itself not counted)"
    )


def serve_latency(source: Path, saves: int = 10) -> float:
    """From the file write to the reload message, for `saves` body edits of one page in
    `serve` (search index on), each after the last edit's full build finished, as when a
    person edits and looks. The page's own reload comes first; the full build follows."""
    import http.client
    import queue
    import socket
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--source", str(source), "--port", str(port), "--today", TODAY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()

    def wait_for(prefix: str) -> None:
        while not lines.get(timeout=300).startswith(prefix):
            pass

    try:
        wait_for("Serving on")
        events = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        events.request("GET", "/__serve/events")
        stream = events.getresponse()
        stream.fp.readline()
        page = source / "content/tumors/tumor-00002.md"
        original = page.read_text()
        times = []
        for save in range(saves):
            temp = page.with_name(".tumor-00002.md.tmp")
            temp.write_text(original.replace("## Section 2 of the page", f"## Section 2 of the page, saved {save + 1} times", 1))
            started = time.perf_counter()
            os.replace(temp, page)  # as editors save
            while True:
                line = stream.fp.readline()
                if line.startswith(b"data: ") and "/tumors/tumor-00002/" in json.loads(line[6:])["pages"]:
                    break
            times.append(time.perf_counter() - started)
            wait_for("Rebuilt:")  # the full build, search index included, has caught up
        page.write_text(original)
        events.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{'serve: save to reload message':<34} median {statistics.median(times) * 1000:7.0f} ms (min {min(times) * 1000:.0f}, "
        f"max {max(times) * 1000:.0f}) over {saves} saves of one page's body, {len(list((source / 'content').rglob('*.md')))} pages"
    )
    return statistics.median(times)


SEARCH_PEER = "hugo, then pagefind"
FLOOR = "floor: markdown-it-py alone"
PEER_LAYOUT = (
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body><main>{content}</main></body></html>\n"
)


def peer_trees(source: Path, work: Path) -> dict[str, tuple[list[str], Path]]:
    """Hugo and Eleventy laid over the same Markdown with a minimal layout, where installed:
    {name: (command, output folder)}. Missing peers are said plainly and left out."""
    peers: dict[str, tuple[list[str], Path]] = {}
    hugo = shutil.which("hugo")
    if hugo:
        root = work / "hugo"
        shutil.copytree(source / "content", root / "content")
        (root / "config.toml").write_text(
            'baseURL = "https://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
        )
        layouts = root / "layouts/_default"
        layouts.mkdir(parents=True)
        for name in ("single.html", "list.html"):
            (layouts / name).write_text(PEER_LAYOUT.format(title="{{ .Title }}", content="{{ .Content }}"))
        peers["hugo " + subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1]] = (
            [hugo, "--source", str(root), "--destination", str(work / "hugo-out"), "--quiet"],
            work / "hugo-out",
        )
        # The search target's peer: Hugo's build followed by a Pagefind run over its pages.
        peers[SEARCH_PEER] = (
            [
                "sh",
                "-c",
                f'"{hugo}" --source "{root}" --destination "{work / "hugo-out"}" --quiet && "{sys.executable}" -m pagefind_bin --site "{work / "hugo-out"}" --silent',
            ],
            work / "hugo-out",
        )
    else:
        print("peer hugo: not installed (apt-get install hugo); left out")
    eleventy = REPO / "tools/eleventy/node_modules/@11ty/eleventy/cmd.cjs"
    if eleventy.is_file() and shutil.which("node"):
        root = work / "eleventy"
        shutil.copytree(source / "content", root)
        (root / "_includes").mkdir()
        (root / "_includes/page.njk").write_text(PEER_LAYOUT.format(title="{{ title }}", content="{{ content | safe }}"))
        (root / "eleventy.json").write_text('{"layout": "page.njk"}')
        (root / "eleventy.config.cjs").write_text("module.exports = function () { return { markdownTemplateEngine: false }; };\n")
        version = json.loads((eleventy.parent / "package.json").read_text())["version"]
        peers[f"eleventy {version}"] = (
            [
                "node",
                str(eleventy),
                f"--config={root / 'eleventy.config.cjs'}",
                f"--input={root}",
                f"--output={work / 'eleventy-out'}",
                "--quiet",
            ],
            work / "eleventy-out",
        )
    else:
        print("peer eleventy: not installed (npm install @11ty/eleventy@3 --prefix tools/eleventy); left out")
    # Not a generator: the least any build with markdown-it-py does (scripts/floor.py).
    peers[FLOOR] = ([sys.executable, str(REPO / "scripts/floor.py"), str(source), str(work / "floor-out")], work / "floor-out")
    return peers


def timed_command(command: list[str], out: Path) -> tuple[float, float]:
    set_aside(out)
    return run_timed(command)


# Where set_aside moves what a cold run must not find; deleted with the rest of the work
# folder when the bench is over.
ASIDE = Path(tempfile.gettempdir())


def set_aside(*paths: Path) -> None:
    """Move what a cold run must not find out of its way, without deleting it. Deleting
    thousands of files just before a run slows that run's own file creation on an ext4 disk
    without a journal, like this VM's: for a minute or more after a deletion, the inode
    allocator reads every recently freed inode it passes and skips it (ext4's
    recently_deleted). Hugo, which creates 4,000 files in about a second, took 2.8-3.7 s
    right after deleting its last output and 1.3-1.8 s into a new folder."""
    for path in paths:
        if path.exists():
            target = Path(tempfile.mkdtemp(dir=ASIDE)) / path.name
            os.rename(path, target)
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--runs", type=int, help="runs of each kind (default: 3 builds, 5 reviews)")
    parser.add_argument("--search", action="store_true", help="also time a cold build with the search index")
    parser.add_argument("--review", action="store_true", help="time `review` on the tree made a git repository, not the build")
    args = parser.parse_args()
    # Python keeps compiled modules beside their source unless told not to, as this VM does
    # (PYTHONDONTWRITEBYTECODE): compile ours, as a normal run would have them already.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "build.py"), str(REPO / "sitegen")], check=True)
    work = Path(tempfile.mkdtemp(prefix="spine-bench-"))
    global ASIDE
    ASIDE = work / "set-aside"
    ASIDE.mkdir()
    if args.review:
        try:
            bench_review(work, args.pages, args.runs or 5)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    args.runs = args.runs or 3
    try:
        bench_build(work, args.pages, args.runs, args.search)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def state_of(out: Path) -> list[Path]:
    """What a build leaves beside its source: the output, the manifest and the record of
    reads beside it (a cold run must find none of them, nor the source's .cache)."""
    return [out, out.parent / f".{out.name}.manifest.json", out.parent / f".{out.name}.reads"]


def written_since(out: Path, started: float) -> int:
    """How many files of the output were written at or after `started` (time.time())."""
    return sum(1 for p in out.rglob("*") if p.is_file() and p.stat().st_mtime >= started)


def edit_runs(source: Path, out: Path, page: Path, run: int) -> tuple[tuple[float, float], tuple[float, float], int, tuple[float, float]]:
    """A body edit of page, then an edit of its title alone, then its body again, on a built
    site; the page left as it was. (body edit's run, title edit's run, files the title edit
    wrote, the second body edit's run). The first edit after a cold build also makes the
    spare tree the publish exchanges with (one folder a page, output.ready_spare); the
    second finds it made, as every later edit does."""
    original = page.read_text()
    body_edit = original.replace("## Section 1", f"## Section 1 (edit {run})", 1)
    page.write_text(body_edit)
    edited = timed_build(source, out, search=False)
    title = re.search(r"(?m)^title: (.*)$", original).group(1)
    retitled_text = body_edit.replace(f"title: {title}", f"title: {title} renamed {run}", 1)  # the title alone
    page.write_text(retitled_text)
    started = time.time() - 0.01  # file times are rounded to the clock's tick
    retitled = timed_build(source, out, search=False)
    written = written_since(out, started)
    page.write_text(retitled_text.replace(f"## Section 1 (edit {run})", f"## Section 1 (edit {run} again)", 1))
    again = timed_build(source, out, search=False)
    page.write_text(original)
    return edited, retitled, written, again


def bench_build(work: Path, pages: int, runs: int, search: bool) -> None:
    source = write_tree(work / "source", pages)
    linked = write_tree(work / "linked/source", pages, link_heavy=True)
    markdown = sum(p.stat().st_size for p in (source / "content").rglob("*.md"))
    count = len(list((source / "content").rglob("*.md")))
    listing = sum(f"{LISTED}" in p.read_text() for p in (linked / "content/tumors").glob("*.md"))
    print(f"{count} pages, {markdown / count / 1024:.1f} KB of Markdown each on average; {runs} runs each; {os.cpu_count()} cores")
    print(f"link-heavy corpus: the same, but {listing} tumor pages ({listing / count:.0%} of the site) list /tests/{LISTED}/")
    out, linked_out = work / "site", work / "linked/site"
    peers = peer_trees(source, work)
    peer_runs: dict[str, list] = {name: [] for name in peers}
    cold, warm, edited, retitled, data_edited, edited_again = [], [], [], [], [], []
    linked_cold, linked_edited, linked_retitled, rewritten = [], [], [], []
    page = source / "content/tumors/tumor-00001.md"
    site = source / "data/site.yaml"
    site_original = site.read_text()
    for run in range(runs):
        for name, (command, peer_out) in peers.items():  # alternate with the peers, run by run
            if name != SEARCH_PEER:
                peer_runs[name].append(timed_command(command, peer_out))
        set_aside(*state_of(out), source / ".cache")
        cold.append(timed_build(source, out, search=False))
        warm.append(timed_build(source, out, search=False))
        body_run, title_run, _, again_run = edit_runs(source, out, page, run)
        edited.append(body_run)
        retitled.append(title_run)
        edited_again.append(again_run)
        # The new-patient line's hours: a value every page's frame reads, shown on two pages.
        site.write_text(site_original.replace("8 a.m. to 5 p.m.", f"8 a.m. to {6 + run % 3} p.m.", 1))
        data_edited.append(timed_build(source, out, search=False))
        site.write_text(site_original)
        set_aside(*state_of(linked_out), linked / ".cache")
        linked_cold.append(timed_build(linked, linked_out, search=False))
        body_run, title_run, files, _ = edit_runs(linked, linked_out, linked / f"content/tests/{LISTED}.md", run)
        linked_edited.append(body_run)
        linked_retitled.append(title_run)
        rewritten.append(files)
    for name, peer in peer_runs.items():
        if peer:
            report(f"peer: {name}, cold", peer)
    report("cold build, --no-search", cold)
    report("warm build, nothing changed", warm)
    report("one page's body edited", edited)
    report("one page's title edited", retitled)
    report("one page's body edited again (the spare tree made)", edited_again)
    report("site.yaml edited (hours)", data_edited)
    report("link-heavy: cold build", linked_cold)
    report("link-heavy: listed page's body", linked_edited)
    report("link-heavy: listed page's title", linked_retitled)
    total = sum(1 for p in linked_out.rglob("*") if p.is_file())
    print(f"link-heavy: the title edit wrote {statistics.median(rewritten):.0f} of {total} files")
    median = {
        id(runs): statistics.median(t for t, _ in runs)
        for runs in (cold, warm, edited, retitled, data_edited, linked_cold, linked_edited, linked_retitled, edited_again)
    }
    for name, peer in peer_runs.items():
        if name == SEARCH_PEER:
            continue
        base = statistics.median(t for t, _ in peer)
        print(
            f"ratios to {name}'s cold build: cold {median[id(cold)] / base:.2f}x, warm {median[id(warm)] / base:.2f}x, "
            f"body edit {median[id(edited)] / base:.2f}x, title edit {median[id(retitled)] / base:.2f}x, "
            f"site.yaml edit {median[id(data_edited)] / base:.2f}x; link-heavy title edit {median[id(linked_retitled)] / base:.2f}x"
        )
    floor = statistics.median(t for t, _ in peer_runs[FLOOR])
    for name, peer in peer_runs.items():
        if name not in (FLOOR, SEARCH_PEER):
            print(f"the floor is {floor / statistics.median(t for t, _ in peer):.2f}x {name}'s cold build")
    cost = recording_cost(source)
    print(f"recording reads: {cost:.1f} µs a page (tumor pages rendered with and without it, alternated)")
    targets: list[tuple[str, float, float, str]] = []  # (what, measured, limit, unit)
    hugo = next((peer for name, peer in peer_runs.items() if name.startswith("hugo v")), None)
    if hugo:
        base = statistics.median(t for t, _ in hugo)
        for what, runs_of, limit in (
            ("nothing changed", warm, 0.1),
            ("one page's body edited", edited, 0.2),
            ("one page's body edited again (the spare made)", edited_again, 0.2),
            ("one page's title edited", retitled, 0.3),
            ("link-heavy: listed page's title edited", linked_retitled, 0.3),
        ):
            targets.append((f"{what}, to Hugo's cold build", median[id(runs_of)] / base, limit, "x"))
    targets.append(("cold build, to the floor", median[id(cold)] / floor, 1.8, "x"))
    targets.append(("body edit, to our cold build (set for 16,000 pages)", median[id(edited)] / median[id(cold)], 0.05, "x"))
    targets.append(("title edit, to our cold build (set for 16,000 pages)", median[id(retitled)] / median[id(cold)], 0.15, "x"))
    targets.append(("recording reads, a page", cost, 20, " µs"))
    ours = cold + warm + edited + retitled + data_edited + linked_cold + linked_edited + linked_retitled + edited_again
    targets.append(("peak memory of our processes (no Pagefind)", max(m for _, m in ours), 250, " MB"))
    if search:
        searched = []
        for _ in range(runs):  # alternating with Hugo and then Pagefind, where installed
            if SEARCH_PEER in peers:
                peer_runs[SEARCH_PEER].append(timed_command(*peers[SEARCH_PEER]))
            set_aside(*state_of(out), source / ".cache")
            searched.append(timed_build(source, out, search=True))
        if SEARCH_PEER in peers:
            report(f"peer: {SEARCH_PEER}, cold", peer_runs[SEARCH_PEER])
        report("cold build with the search index", searched)
        if SEARCH_PEER in peer_runs:
            base = statistics.median(t for t, _ in peer_runs[SEARCH_PEER])
            print(f"ratio to {SEARCH_PEER}: cold with the index {statistics.median(t for t, _ in searched) / base:.2f}x")
            targets.append((f"cold with the index, to {SEARCH_PEER}", statistics.median(t for t, _ in searched) / base, 1.25, "x"))
        indexed_again = [timed_build(source, out, search=True) for _ in range(runs)]
        report("warm build with the index, no change", indexed_again)
        search_figures(out, runs)
        targets.append(("serve: save to reload message", serve_latency(source) * 1000, 150, " ms"))
        targets.append(("peak memory, Pagefind included", max(m for _, m in searched + indexed_again), 500, " MB"))
    at = "" if pages == 4000 else f"; the ratios to Hugo are set for 4,000 pages, this run has {pages}"
    print(f"targets of issue 16 (and of issue 8, for search and serve; ratios of medians{at}):")
    for what, value, limit, unit in targets:
        shown = f"{value:.2f}{unit}" if unit == "x" else f"{value:.0f}{unit}" if value >= 10 else f"{value:.1f}{unit}"
        bound = f"{limit:.2f}{unit}" if unit == "x" else f"{limit:.0f}{unit}"
        print(f"  {what:<58} {shown:>8}   at most {bound:<8} {'met' if value <= limit else 'NOT MET'}")
    files = sum(1 for p in out.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"output: {files} files, {size / 1e6:.1f} MB")


def recording_cost(source: Path, pages: int = 60, repeats: int = 15) -> float:
    """What recording the reads adds to rendering a page, in µs: each of `pages` tumor pages
    of the built tree rendered in this process `repeats` times with recording and without,
    alternated; per page the fastest run of each (the least disturbed by the machine), and
    the median over the pages of the difference."""
    sys.path.insert(0, str(REPO))
    from sitegen.options import Options
    from sitegen.output import hashed_assets
    from sitegen.pipeline import load_and_check
    from sitegen.reads import recording
    from sitegen.render import Renderer, Urls

    options = Options(source=source, out=source.parent / "site", today=dt.date.fromisoformat(TODAY), search=False, jobs=1)
    model = load_and_check(options).model
    assets = hashed_assets(options.templates / "assets", {"zips.json": b"{}", "search-words.json": b"[]"})
    urls = Urls(base_url=model.data.site.base_url, assets={name: out for name, (out, _) in assets.items()}, media={})
    renderer = Renderer(model, urls, options.templates)
    outputs = renderer.outputs()
    paths = [path for path in outputs if path.startswith("tumors/") and path != "tumors/index.html"][:pages]
    renderer.fill_bodies(renderer.pages_among(paths), 1)
    for path in paths:  # once first: the fragments made once a build are made here
        outputs[path]()
    clock, differences = time.perf_counter, []
    gc.collect()
    gc.disable()  # a collection would land on one side or the other
    for path in paths:
        make, on, off = outputs[path], [], []
        for _ in range(repeats):
            started = clock()
            with recording():
                make()
            middle = clock()
            make()
            off.append(clock() - middle)
            on.append(middle - started)
        differences.append(min(on) - min(off))
    gc.enable()
    return statistics.median(differences) * 1e6


if __name__ == "__main__":
    main()
