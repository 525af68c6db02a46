"""Rendering: every shipped kind renders to a PDF whose text is the Chinese content; no network; sandbox."""

import pytest

from zhifa.documents import kinds, rendering, services
from zhifa.documents.models import DocumentNumberSequence
from zhifa.documents.tests.helpers import pdf_fonts, pdf_text, squash
from zhifa.files.services import read_bytes


@pytest.mark.django_db
@pytest.mark.parametrize("code", [k["code"] for k in kinds.DEFAULT_KINDS])
def test_every_default_kind_issues_a_chinese_pdf(world, code):
    # given the shipped template and the kind's sample context
    sample = kinds.sample_context(code)
    # a kind that names its signers (the 法制审核意见书: the review body) is issued by one of them
    issuer = world.reviewer if kinds.BY_CODE[code].get("issuer") else world.officer
    doc = services.issue_document(user=issuer, agency=world.market, kind=code, context=sample)
    # then the signed PDF's text holds the agency, the title, the number and every required item's text
    text = squash(pdf_text(read_bytes(doc.blob)))
    kind = services.get_kind(code)
    assert "昌吉市市场监督管理局" in text
    assert kind.name in text
    assert squash(doc.number) in text
    for f in kind.required_fields:
        value = sample.get(f["key"])
        if isinstance(value, str):
            assert squash(value)[:12] in text, f["key"]


@pytest.mark.django_db
def test_preview_is_marked_and_unnumbered(world):
    pdf = services.preview_pdf(user=world.head, agency=world.market, kind="penalty_notice")
    text = squash(pdf_text(pdf))
    assert "（样张）" in text
    assert not DocumentNumberSequence.objects.exists()


def test_pdf_embeds_a_subset_cjk_font():
    pdf = rendering.html_to_pdf(
        rendering.render_html("<p style='font-family:\"Noto Serif CJK SC\"'>行政执法</p>", {})
    )
    # pdffonts lists the font as embedded (emb) and subset (sub): ABCDEF+Noto-Serif-CJK-SC … yes yes yes
    fonts = pdf_fonts(pdf)
    assert any(
        "+Noto-Serif-CJK-SC" in line and line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts
    ), fonts
    assert squash(pdf_text(pdf)) == "行政执法"


def test_external_resources_are_refused():
    refused = []
    html = (
        "<link rel='stylesheet' href='http://example.invalid/x.css'>"
        "<img src='https://example.invalid/seal.png'><img src='file:///etc/passwd'><p>正文</p>"
    )
    pdf = rendering.html_to_pdf(html, refused=refused)
    assert sorted(refused) == [
        "file:///etc/passwd",
        "http://example.invalid/x.css",
        "https://example.invalid/seal.png",
    ]
    assert "正文" in pdf_text(pdf)


def test_sandbox_sees_only_the_given_context_and_shipped_layout():
    # given a template that tries to reach the console's templates, other tag libraries and settings
    assert rendering.render_html("{{ settings.SECRET_KEY }}{{ request }}{{ user }}", {}) == ""
    with pytest.raises(rendering.TemplateProblem):
        rendering.render_html("{% load static %}", {})
    with pytest.raises(rendering.TemplateProblem):
        rendering.render_html('{% include "core/base.html" %}', {})
    # autoescape: context values cannot inject markup
    assert rendering.render_html("{{ x }}", {"x": "<b>甲</b>"}) == "&lt;b&gt;甲&lt;/b&gt;"
    # the shipped layout can be extended
    out = rendering.render_html(
        '{% extends "documents/defaults/_layout.html" %}{% block body %}<p>乙</p>{% endblock %}',
        {"document": {"title": "测试"}, "agency": {"name": "某局"}},
    )
    assert "<p>乙</p>" in out and "某局" in out
