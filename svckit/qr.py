"""QR images of ticket codes, drawn by segno (pure Python, no native dependencies, ISO/IEC
18004 conformant, actively maintained): SVG for the web page, PNG for email."""

from __future__ import annotations

import io

import segno

ERROR_CORRECTION = "m"
"""Level M (15 % of the symbol may be damaged): a phone screen or a printout scans well."""
QUIET_ZONE = 4
"""The four-module border the standard asks for, so scanners find the symbol."""


def _qr(text: str) -> segno.QRCode:
    return segno.make(text, error=ERROR_CORRECTION, micro=False, boost_error=False)


def qr_svg(text: str, title: str = "") -> bytes:
    """An SVG of `text` that scales to any size (a viewBox, no fixed width or height), black
    on white so it scans on a dark page too."""
    out = io.BytesIO()
    _qr(text).save(
        out,
        kind="svg",
        scale=1,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        xmldecl=False,
        omitsize=True,
        title=title or None,
        nl=False,
    )
    return out.getvalue()


def qr_png(text: str, scale: int = 6) -> bytes:
    """A PNG of `text`, `scale` pixels a module."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()
