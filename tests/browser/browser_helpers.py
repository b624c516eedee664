"""Things the browser tests do the way a person would: log in, look at a page's width,
labels and colours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: WCAG AA for normal text
MIN_CONTRAST = 4.5


def login(page: Any, name: str) -> None:
    """The development login form, as a person would use it."""
    page.goto("/login")
    page.get_by_label("User name (OpenID)").fill(name)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    assert page.locator(".who .user").inner_text() == name


def shot(page: Any, folder: Path, name: str, full: bool = True) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0 is good)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def wide_elements(page: Any, limit: int = 5) -> list[str]:
    """The deepest elements wider than the screen (by box or content), to say what overflows."""
    return list(
        page.evaluate(
            """(limit) => {
              const w = document.documentElement.clientWidth;
              return [...document.querySelectorAll("main *, header *")]
                .filter((e) => e.getBoundingClientRect().right > w + 1 || e.scrollWidth > w + 1)
                .slice(-limit)
                .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} (${e.scrollWidth}px)`);
            }""",
            limit,
        )
    )


UNLABELLED_JS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
      el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) out.push(el.outerHTML.slice(0, 120));
  }
  return out;
}
"""


def unlabelled_fields(page: Any) -> list[str]:
    """Form fields no label names (screen readers would read nothing)."""
    return list(page.evaluate(UNLABELLED_JS))


CONTRAST_JS = """
(selector) => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent && el.tagName !== "BODY") continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({text: el.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05)});
  }
  return out;
}
"""


def low_contrast(page: Any, selector: str, minimum: float = MIN_CONTRAST) -> list[dict[str, Any]]:
    """Elements matching ``selector`` whose text/background contrast is below ``minimum``."""
    found = page.evaluate(CONTRAST_JS, selector)
    return [f for f in found if f["ratio"] < minimum]


#: axe-core from npm (tests/browser/package.json; CI runs ``npm ci --prefix tests/browser``)
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the page, one line each. axe is
    evaluated through the DevTools protocol, so a strict Content-Security-Policy on the
    page does not stop it (and the page needs no inline script for it)."""
    assert AXE.is_file(), f"{AXE} missing: run `npm ci --prefix tests/browser`"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
        }"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in impacts
    ]
