"""QR codes of the certificate cards and post boards: segno, rendered as inline SVG.

The code encodes the absolute URL of the public certificate check for one 证号 (`/c/<证号>`, short so that the
code stays small and easy to scan). The public base URL comes from the setting ZHIFA_PORTAL_URL when set (what
printed cards must carry when the site is served behind a proxy or under another name); otherwise from the request.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

ERROR_LEVEL = "m"  # 15% recovery: survives a worn or slightly soiled card


def check_url(request, number: str) -> str:
    """The absolute URL of the check page of certificate `number`."""
    path = reverse("portal:prior_check_short", kwargs={"number": number})
    base = (getattr(settings, "ZHIFA_PORTAL_URL", "") or "").rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path)


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def svg(url: str, *, label: str = "") -> str:
    """The QR code of `url` as an inline, accessible <svg> (role="img", <title>): safe HTML."""
    code = make(url)
    title = label or f"二维码：{url}"
    out = code.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", svgclass="qr", title=title, omitsize=True
    )
    out = out.replace("<svg ", '<svg role="img" focusable="false" ', 1)
    return mark_safe(out)  # segno escapes the title; the rest is its own markup
