"""axe-core (vendored in tests/web/vendor/axe-core/, see its README) in a Playwright page: `violations(page)` runs it
against WCAG 2.0 and 2.1, levels A and AA, and returns what fails, `report(...)` puts it in words for an assertion
message; `sideways_scroll(page)` says what sticks out past the right edge of the window, if anything does.

The dashboard's Content-Security-Policy allows scripts from 'self' only, so a <script> that Playwright adds is
refused: a context whose pages are checked is made with `bypass_csp=True` (Playwright's own switch, for tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), html: n.html, summary: n.failureSummary || ""})),
  }));
}"""

_SIDEWAYS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const edge = root.clientWidth;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) part += "#" + e.id;
      else if (e.classList.length) part += "." + [...e.classList].join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const sticksOut = (el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > edge + 0.5;
  const wide = [];  // the outermost elements that stick out (not each of their descendants)
  for (const el of document.body.querySelectorAll("*")) {
    if (sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement))) {
      wide.push(`${path(el)} (right edge at ${Math.round(el.getBoundingClientRect().right + window.scrollX)} px)`);
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 8)};
}"""


@dataclass(frozen=True)
class Node:
    target: list[str]  # a CSS selector (a path of them into frames or shadow roots)
    html: str
    summary: str

    def __str__(self) -> str:
        return " >> ".join(self.target)


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str | None
    help: str
    help_url: str
    nodes: list[Node]

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact or 'no impact given'}): {self.help} <{self.help_url}>"]
        for node in self.nodes[:10]:
            lines.append(f"    {node}")
            lines.append(f"        {node.html[:160]}")
            lines.extend(f"        {line.strip()}" for line in node.summary.splitlines()[:4] if line.strip())
        if len(self.nodes) > 10:
            lines.append(f"    ... and {len(self.nodes) - 10} more")
        return "\n".join(lines)


def violations(page: Any, tags: tuple[str, ...] = WCAG_TAGS) -> list[Violation]:
    """axe.run() on the page as it is now (axe injected once per document), against `tags`."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(_RUN, list(tags))
    return [
        Violation(
            rule=v["id"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["helpUrl"],
            nodes=[Node(target=n["target"], html=n["html"], summary=n["summary"]) for n in v["nodes"]],
        )
        for v in found
    ]


def sideways_scroll(page: Any) -> str | None:
    """None when the page does not scroll sideways (scrollWidth <= clientWidth of the root), else what sticks out."""
    found = page.evaluate(_SIDEWAYS)
    if found is None:
        return None
    wide = "".join(f"\n    {w}" for w in found["wide"])
    return f"scrolls sideways: {found['scrollWidth']} px wide in a window {found['clientWidth']} px wide{wide}"


def report(where: str, found: list[Violation]) -> str:
    """The violations in words, one rule a paragraph: rule id, impact, the failing nodes' selectors."""
    return f"{where}: {len(found)} axe violation(s)\n" + "\n".join(str(v) for v in found)
