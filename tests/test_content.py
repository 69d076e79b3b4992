"""The service line's own content meets its bars: length, reading grade, links both ways,
doctors for every tumor, claims used as claims, and samples that never reach production."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import REPO, TODAY, run_cli

from sitegen.pipeline import Options, load_and_check
from sitegen.readability import main_text, reading_grade


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
    assert "us-news-2023" in model.data.claims and "us-news-2023" not in used
    assert "3,000" not in home.body and "U.S. News" not in home.body
    assert "3,000" not in model.data.claims["spine-surgeries"].text  # the seed hospital's own figure
    for page in model.pages:
        assert "us-news" not in page.body


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
