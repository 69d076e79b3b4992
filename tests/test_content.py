"""The service line's own content meets its bars: length, reading grade, links both ways,
doctors for every tumor, claims used as claims, and samples that never reach production."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import REPO, TODAY, language_of_page, run_cli

from sitegen.pipeline import Options, load_and_check
from sitegen.readability import SPANISH_AIM, main_text, reading_grade, spanish_reading_ease


@pytest.fixture(scope="module")
def model():
    result = load_and_check(Options(source=REPO, out=REPO / "site", today=dt.date.fromisoformat(TODAY)))
    assert not result.problems.errors, result.problems.report()
    return result.model


def _body_html(model, page) -> str:
    """A page's body as HTML (a body read from the build cache has none yet)."""
    from sitegen.markdown import analyze_body, make_markdown

    return analyze_body(make_markdown(), page.body, page.body_line, lambda target: target, model.live_claims()).html


def test_the_content_has_every_page_kind(model):
    kinds = {kind: len(model.pages_of(kind)) for kind in ("tumor", "test", "treatment")}
    assert kinds["tumor"] >= 14 and kinds["test"] >= 8 and kinds["treatment"] >= 8
    groups = {p.meta["group"] for p in model.pages_of("tumor")}
    assert groups == {"spinal-column", "spinal-cord", "benign", "metastatic"}
    assert {"/", "/appointments/", "/tumors/", "/tests/", "/treatments/"} <= set(model.by_url)


def test_medical_pages_are_long_enough_and_plain(model):
    failures = []
    for page in model.pages:
        if not page.medical:
            continue
        html = _body_html(model, page)
        words = len(main_text(html).split())
        if page.language.code == "es":  # Fernández Huerta's reading ease: the higher, the easier
            ease = spanish_reading_ease(html)
            if words < 300 or ease < SPANISH_AIM:
                failures.append(f"{page.path}: {words} words, reading ease {ease}")
            continue
        grade = reading_grade(html)
        if words < 300 or grade > 10:
            failures.append(f"{page.path}: {words} words, grade {grade}")
    assert failures == []


def test_tumors_link_tests_and_treatments_both_ways(model):
    for tumor in model.pages_of("tumor"):
        assert len(tumor.meta["tests"]) >= 2 and len(tumor.meta["treatments"]) >= 2, tumor.path
        for key in ("tests", "treatments"):
            for slug in tumor.meta[key]:
                assert f"](/{key}/{slug}/" in tumor.body, f"{tumor.path} lists {slug} but never links it"
    for kind, field in (("test", "tests"), ("treatment", "treatments")):
        for page in model.pages_of(kind):
            assert model.naming(page.source, field), f"no tumor page links {page.url}"


def test_every_tumor_has_a_doctor(model):
    for tumor in model.pages_of("tumor"):
        assert model.naming(tumor.source, "conditions"), tumor.path


def test_providers_and_locations(model):
    providers = model.data.providers
    assert len(providers) >= 16 and all(p.sample for p in providers)
    assert sum(not p.active for p in providers) == 1
    assert any(not p.accepting_new_patients for p in providers if p.active)
    assert len({lang for p in providers for lang in p.languages}) >= 3
    specialties = {s for p in providers for s in p.specialties}
    for wanted in (
        "Neurosurgery",
        "Orthopaedic spine surgery",
        "Radiation oncology",
        "Medical oncology",
        "Neuro-oncology",
        "Interventional radiology",
        "Neuroradiology",
        "Pathology",
    ):
        assert wanted in specialties
    assert len(model.data.locations) >= 4
    for location in model.data.locations:
        assert model.naming(location.source, "locations"), location.id
    for provider in providers:
        assert re.fullmatch(r"\+1\d{3}55501\d\d", provider.phone or "+19195550100")


def test_reviewers_are_active_doctors(model):
    for page in model.pages:
        if page.medical:
            reviewer = model.providers[page.meta["reviewed_by"]]
            assert reviewer.active and "PA" not in reviewer.credentials, page.path


def test_claims_come_from_data_and_no_stale_ranking_is_shown(model):
    home = model.by_url["/"]
    used = {claim for claim, _ in model.bodies["/"].claims}
    assert {"spine-surgeries", "nci-comprehensive", "nccn-member"} <= used
    assert "sample-ranking-2023" in model.data.claims and "sample-ranking-2023" not in used, "an expired claim is shown nowhere"
    assert "3,000" not in home.body and "U.S. News" not in home.body
    # No claim repeats the seed hospital's own figures or its ranking.
    for claim in model.data.claims.values():
        assert "3,000" not in claim.text and "U.S. News" not in claim.text + claim.source_name and "usnews" not in claim.source_url
    for page in model.pages:
        assert "sample-ranking" not in page.body


def test_a_normal_build_succeeds_and_production_refuses_samples(tmp_path: Path):
    normal = run_cli("check", "--today", TODAY)
    assert normal.returncode == 0, normal.stderr
    production = run_cli("check", "--production", "--today", TODAY)
    assert production.returncode == 1
    assert "is sample data; replace it with real data before a production build" in production.stderr


def test_every_claim_the_repository_marks_as_a_sample_is_refused_in_production():
    """The claims stand in for the hospital's own figures; none may be published as fact."""
    import yaml

    claims = yaml.safe_load((REPO / "data" / "claims.yaml").read_text(encoding="utf-8"))
    assert claims and all(claim.get("sample") is True for claim in claims)
    production = run_cli("check", "--production", "--today", TODAY)
    for claim in claims:
        assert f"claims[{claim['id']}].sample: is sample data" in production.stderr


def test_the_site_s_own_publishing_gate_is_green():
    """Every medical page of the repository carries a review its doctor signed, of its text
    as it stands (where the clone has the history to tell)."""
    gate = "never-reviewed,unverified-review,changed-since-review,overdue"
    result = run_cli("review", "--today", TODAY, "--fail-on", gate)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


# Issue 19's corrections that text can check, each rule drawn from the content itself: the
# pages it applies to are found by what they say, so a new page is held to it too.

CHILDREN = re.compile(r"\b(child|children|teens?|teenagers?|kids?)\b", re.I)
OTC_PAIN_RELIEVER = re.compile(r"\b(aspirin|ibuprofen|naproxen|acetaminophen|nsaids?|anti-inflammatory)\b", re.I)
WARNS = re.compile(r"\b(not|never|avoid|unless)\b", re.I)
FEVER_THRESHOLD = "100.4 °F (38 °C)"
# Abstract indexes, mirrors and document-sharing sites: not the publisher's own page.
WEAK_SOURCE_HOSTS = (
    "vivo",
    "ouci.dntb.gov.ua",
    "scribd.com",
    "researcher.life",
    "paperexplained.cn",
    "moam.info",
    "semanticscholar.org",
    "researchgate.net",
    "medscape.com",  # reprints of journal articles: cite the journal's own page or PubMed Central
    "pure.elsevier.com",  # universities' research-index pages (Elsevier Pure), not the journal
    "rd.springer.com",  # Springer's old reader address: link.springer.com is the canonical one
)


def _shown_text(page) -> str:
    """What a reader sees of a page's own words: title, summary, other names and body
    (search terms are never shown; sources are titles of other people's pages)."""
    return "\n\n".join([page.meta["title"], page.meta["summary"], ", ".join(page.meta.get("also_known_as") or []), page.body])


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _sentences(text: str) -> list[str]:
    return [s for paragraph in _paragraphs(text) for s in re.split(r"(?<=[.!?])\s+", paragraph)]


def test_pages_for_children_never_advise_aspirin(model):
    """Aspirin can cause Reye's syndrome in children and teens: a page that speaks of them
    names aspirin only to warn against it, and one that names a pain reliever says so."""
    pages = [page for page in model.pages if CHILDREN.search(page.body)]
    assert any(page.url == "/tumors/osteoid-osteoma/" for page in pages)
    failures = []
    for page in pages:
        sentences = _sentences(_shown_text(page))
        failures += [f"{page.path}: {s}" for s in sentences if re.search(r"\baspirin\b", s, re.I) and not WARNS.search(s)]
        if any(OTC_PAIN_RELIEVER.search(s) for s in sentences):
            if not any(re.search(r"\baspirin\b", s, re.I) and WARNS.search(s) for s in sentences):
                failures.append(f"{page.path}: names a pain reliever but never says not to give aspirin to a child or teen")
    assert failures == []


def test_nf2_goes_by_its_2022_name(model):
    """NF2 is now NF2-related schwannomatosis: a page that mentions it uses the new name, and
    the old one only in brackets after it ("formerly neurofibromatosis type 2, NF2")."""
    # in each language: (the new name, the old one, the words that put it in brackets)
    names = {
        "en": ("NF2-related schwannomatosis", r"neurofibromatosis type 2|\bNF-?2\b(?!-related)", r"formerly|previously|once called"),
        "es": ("schwannomatosis relacionada con NF2", r"neurofibromatosis tipo 2|(?<!relacionada con )\bNF-?2\b", r"antes llamada"),
    }
    failures, found = [], set()
    for page in model.pages:
        new, old, formerly = names[page.language.code]
        text = _shown_text(page)
        if not (re.search(old, text, re.I) or new in text):
            continue
        found.add(page.url)
        if new not in text:
            failures.append(f"{page.path}: never says {new}")
        outside_brackets = re.sub(rf"\((?:{formerly})[^)]*\)", "", text, flags=re.I)
        failures += [f"{page.path}: {s}" for s in _sentences(outside_brackets) if re.search(old, s, re.I)]
    assert {"/tumors/schwannoma/", "/tumors/meningioma/", "/tumors/ependymoma/"} <= found
    assert failures == []


def test_the_fever_threshold_on_chemotherapy(model):
    """The chemotherapy page, and every paragraph that tells a reader on drug treatment to call
    about a fever, gives the same threshold as the tumor pages: 100.4 °F (38 °C)."""
    assert FEVER_THRESHOLD in model.by_url["/treatments/chemotherapy/"].body
    drugs = re.compile(r"\b(chemotherapy|chemo|drug treatment|blood counts?)\b", re.I)
    failures = [
        f"{page.path}: {paragraph}"
        for page in model.pages
        for paragraph in _paragraphs(page.body)
        if re.search(r"\bfever\b", paragraph, re.I) and drugs.search(paragraph) and FEVER_THRESHOLD not in paragraph
    ]
    assert failures == []


def test_every_medical_page_cites_sources_of_its_own(model):
    """At least two sources on every medical page, each a page of its own (not a home page),
    on the publisher's own site rather than an abstract index or a mirror, none repeated."""
    from urllib.parse import urlsplit

    failures = []
    medical = [page for page in model.pages if page.medical]
    assert len(medical) >= 30
    for page in medical:
        sources = page.sources or []  # a translation's own, or its English page's
        urls = [source["url"] for source in sources]
        if len(sources) < 2:
            failures.append(f"{page.path}: {len(sources)} sources")
        if len(set(urls)) != len(urls):
            failures.append(f"{page.path}: a source is listed twice")
        for source in sources:
            parts = urlsplit(source["url"])
            if parts.scheme != "https" or parts.path.strip("/") == "":
                failures.append(f"{page.path}: {source['url']} is not a page of its own")
            if any(weak in parts.netloc for weak in WEAK_SOURCE_HOSTS):
                failures.append(f"{page.path}: {source['url']} is an index or a mirror, not the publisher's page")
            if not all(str(source.get(key) or "").strip() for key in ("title", "publisher")):
                failures.append(f"{page.path}: {source['url']} has no title or publisher")
            if str(source["accessed"]) > TODAY:  # ISO dates sort as text
                failures.append(f"{page.path}: {source['url']} accessed after today")
    assert failures == []


@pytest.fixture(scope="module")
def built_content(tmp_path_factory) -> Path:
    """The repository's own content, built once without its search index."""
    from conftest import build_site

    out = tmp_path_factory.mktemp("content-text") / "site"
    result = build_site(REPO, out)
    assert result.returncode == 0, result.stderr
    return out


def test_every_page_of_the_site_shows_the_emergency_sentence(built_content: Path):
    """Every page the build writes, the list pages and the 404 page included, shows the whole
    emergency sentence of data/site.yaml where a reader sees it without opening anything."""
    import yaml
    from sitecheck import html_pages, visible_text

    site = yaml.safe_load((REPO / "data" / "site.yaml").read_text(encoding="utf-8"))
    sentence = {"en": site["emergency"], "es": site["es"]["emergency"]}  # each page's in its language
    pages = html_pages(built_content)
    for rel in (
        "404.html",
        "index.html",
        "tumors/index.html",
        "tests/index.html",
        "treatments/index.html",
        "doctors/index.html",
        "locations/index.html",
        "a-z/index.html",
    ):
        assert built_content / rel in pages, rel
    missing = [
        page.relative_to(built_content).as_posix()
        for page in pages
        if sentence[language_of_page(built_content, page)] not in visible_text(page)
    ]
    assert missing == []
