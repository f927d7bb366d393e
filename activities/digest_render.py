"""The weekly digest as words: subject, plain text and HTML, from Jinja2 templates a school can reword
(config/templates/digest_subject.txt.j2, digest.txt.j2, digest.html.j2; the trust digest's trust_digest_*.j2).

Only the .html.j2 templates are autoescaped: an LA name such as "Brighton & Hove" must read as written in the plain
text and be escaped in the HTML. A school's own templates folder (settings `templates`) that lacks a template (one
made before the trust digest's were) falls back to the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader

from activities.digest import Digest, TrustDigest
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
        if Path(templates).resolve() != TEMPLATES:
            self.env.loader = ChoiceLoader([FileSystemLoader(templates), FileSystemLoader(TEMPLATES)])
        self.env.filters["plural"] = _plural

    def render(self, digest: Digest, recipient_name: str) -> RenderedDigest:
        """One school's digest to one of its leaders."""
        return self._render("digest", digest, recipient_name)

    def render_trust(self, digest: TrustDigest, recipient_name: str) -> RenderedDigest:
        """The trust digest (every school's steps, grouped by school) to one of the trust's own staff."""
        return self._render("trust_digest", digest, recipient_name)

    def _render(self, name: str, digest: Digest | TrustDigest, recipient_name: str) -> RenderedDigest:
        values = {"digest": digest, "recipient_name": recipient_name, "dashboard_url": digest.dashboard_url}
        subject = " ".join(self.env.get_template(f"{name}_subject.txt.j2").render(values).split())
        text = self.env.get_template(f"{name}.txt.j2").render(values).strip() + "\n"
        html = self.env.get_template(f"{name}.html.j2").render(values).strip() + "\n"
        return RenderedDigest(subject=subject, text=text, html=html)
