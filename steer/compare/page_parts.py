"""The smallest pieces of ``report.html``: escaped text and PNGs inlined as data URIs."""

from __future__ import annotations

import base64
import html
from pathlib import Path


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def image(path: Path, caption: str, wide: bool = False, *, css_class: str = "") -> str:
    """A PNG inlined as a data URI; ``wide`` lets it use the page's full width, ``css_class``
    names another figure style (``grid``, ``natural``: the image at its own size)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    css_class = css_class or ("wide" if wide else "")
    css = f' class="{css_class}"' if css_class else ""
    return (
        f'<figure{css}><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )
