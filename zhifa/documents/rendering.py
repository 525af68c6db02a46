"""Rendering 文书: a sandboxed Django template engine, HTML → PDF (WeasyPrint, CJK font, no network) and Word.

Sandbox: templates (agency-edited HTML included) run in their own `Engine` that knows only the built-in tags and
filters, loads nothing but the shipped layout and default templates (from memory), and sees only the context
given. Resources: the URL fetcher refuses everything but inline `data:` URLs, so a template cannot make the server
reach the network or read local files.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from django.template import Context, Engine
from django.template import TemplateSyntaxError as DjangoTemplateSyntaxError

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "documents" / "defaults"
LAYOUT = "documents/defaults/_layout.html"
FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")


class TemplateProblem(Exception):
    """The template does not compile or render (message in Chinese)."""


@functools.cache
def _shipped_sources() -> dict[str, str]:
    return {
        f"documents/defaults/{p.name}": p.read_text(encoding="utf-8") for p in DEFAULTS_DIR.glob("*.html")
    }


def shipped_default(kind_code: str) -> str:
    """The source of the default HTML template shipped for a kind ("" if none)."""
    return _shipped_sources().get(f"documents/defaults/{kind_code}.html", "")


@functools.cache
def sandbox() -> Engine:
    return Engine(
        loaders=[("django.template.loaders.locmem.Loader", _shipped_sources())],
        libraries={},
        builtins=[],
        autoescape=True,
        string_if_invalid="",
        debug=False,
    )


def render_html(source: str, context: dict) -> str:
    try:
        template = sandbox().from_string(source)
        return template.render(Context(context, autoescape=True))
    except DjangoTemplateSyntaxError as exc:
        raise TemplateProblem(f"模板语法错误：{exc}") from exc
    except Exception as exc:  # e.g. extends/include of a template that is not in the sandbox
        raise TemplateProblem(f"模板无法渲染：{exc}") from exc


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        """Refuses every URL except inline data: URLs (no network, no local files)."""

        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"external resource refused: {url}")
            return super().fetch(url, headers)

    return OfflineFetcher


def html_to_pdf(html: str, *, refused: list | None = None) -> bytes:
    """Render HTML to PDF with the CJK fonts of the system (fonts-noto-cjk), subset and embedded."""
    from weasyprint import HTML

    fetcher = _fetcher_class()()
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    if refused is not None:
        refused.extend(fetcher.refused)
    return pdf


def render_docx(template_bytes: bytes, context: dict) -> bytes:
    """Fill a Word template's docxtpl placeholders (Jinja2, sandboxed, XML-escaped) and return the .docx."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    try:
        document = DocxTemplate(io.BytesIO(template_bytes))
        document.render(context, jinja_env=SandboxedEnvironment(), autoescape=True)
    except Exception as exc:
        raise TemplateProblem(f"Word模板无法渲染：{exc}") from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_placeholders(template_bytes: bytes) -> set[str]:
    """The variables a Word template uses (raises TemplateProblem for a file that is not a docxtpl template)."""
    from docxtpl import DocxTemplate

    try:
        return set(DocxTemplate(io.BytesIO(template_bytes)).get_undeclared_template_variables())
    except Exception as exc:
        raise TemplateProblem(f"不是有效的Word模板（.docx）：{exc}") from exc
