"""Test helpers: PDF text through poppler's pdftotext (Debian poppler-utils)."""

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdf_text(data: bytes) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext (Debian package poppler-utils) is required by the documents tests"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_fonts(data: bytes) -> list[str]:
    exe = shutil.which("pdffonts")
    assert exe, "pdffonts (Debian package poppler-utils) is required by the documents tests"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run([exe, str(path)], capture_output=True, check=True)
    return out.stdout.decode("utf-8").splitlines()[2:]


def squash(text: str) -> str:
    """Text without whitespace (line breaks fall anywhere in Chinese text)."""
    return "".join(text.split())
