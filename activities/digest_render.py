"""The weekly digest as words: subject, plain text and HTML, from Jinja2 templates a school can reword
(config/templates/digest_subject.txt.j2, digest.txt.j2, digest.html.j2).

Only the .html.j2 template is autoescaped: an LA name such as "Brighton & Hove" must read as written in the plain
text and be escaped in the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from activities.digest import Digest
from activities.messages import TEMPLATES, template_environment


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class DigestRenderer:
    def __init__(self, templates: Path = TEMPLATES) -> None:
        self.env = template_environment(templates)
        self.env.filters["plural"] = _plural

    def render(self, digest: Digest, recipient_name: str) -> RenderedDigest:
        values = {"digest": digest, "recipient_name": recipient_name, "dashboard_url": digest.dashboard_url}
        subject = " ".join(self.env.get_template("digest_subject.txt.j2").render(values).split())
        text = self.env.get_template("digest.txt.j2").render(values).strip() + "\n"
        html = self.env.get_template("digest.html.j2").render(values).strip() + "\n"
        return RenderedDigest(subject=subject, text=text, html=html)
