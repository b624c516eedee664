"""Certification pages: the public list of certified products (``/certified``), one
certificate, its SVG badge (``/badges/<id>.svg``, ETag), the Atom feed, a vendor's request
form and requests, the Foundation's review queue (``/review``) and the audit log
(``/audit``). The same service calls as ``/v2/certifications`` and ``/v2/audit``."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refcore.core.certification import Status
from refcore.errors import InvalidInput
from refcore.server.deps import ActorDep, CsrfDep, GuidelinesDep, SessionDep, TermsDep, UserDep
from refcore.server.rendering import flash, render
from refcore.server.routing import Route
from refcore.services import audit, certificates, certification, products, review

router = APIRouter(route_class=Route)
CSRF = [CsrfDep]

#: badge colours by status (white text on each passes WCAG AA)
COLOURS = {
    Status.VALID.value: "#1b6e2f",
    Status.EXPIRING.value: "#8a5300",
    Status.AT_RISK.value: "#a3330c",
    Status.LAPSED.value: "#5e3a8c",
    Status.EXPIRED.value: "#595959",
    Status.REVOKED.value: "#b3261e",
}
PRODUCT_TYPES = {0: "Distro", 1: "Public cloud", 2: "Hosted private cloud"}


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {k: q.get(k) or None for k in certificates.FILTERS}


@router.get("/certified", response_class=HTMLResponse, name="web.certified")
def certified(
    request: Request, session: SessionDep, gs: GuidelinesDep, terms: TermsDep
) -> HTMLResponse:
    filters = _filters(request)
    items = certificates.list_certificates(session, gs, terms, filters)
    return render(
        request,
        "certification/list.html",
        {
            "title": "Certified products",
            "items": items,
            "filters": filters,
            "programs": certification.programs(gs),
            "statuses": [s.value for s in Status],
            "types": PRODUCT_TYPES,
            "query_string": request.url.query,
        },
    )


@router.get("/certified/{certificate_id}", response_class=HTMLResponse, name="web.certificate")
def certificate_page(
    request: Request, certificate_id: str, session: SessionDep, gs: GuidelinesDep, terms: TermsDep
) -> HTMLResponse:
    item = certificates.certificate(session, gs, terms, certificate_id)
    return render(
        request,
        "certification/certificate.html",
        {
            "title": f"Certificate {item['product']['name']}",
            "c": item,
            "base": str(request.base_url),
        },
    )


def _text_width(text: str) -> int:
    return 7 * len(text) + 12


def badge_svg(label: str, message: str, colour: str) -> str:
    """A flat two-part badge; the text is escaped (product names are the vendor's)."""
    lw, mw = _text_width(label), _text_width(message)
    esc = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    label_x = "".join(esc.get(ch, ch) for ch in label)
    message_x = "".join(esc.get(ch, ch) for ch in message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + mw}" height="20" role="img" '
        f'aria-label="{label_x}: {message_x}"><title>{label_x}: {message_x}</title>'
        f'<rect width="{lw}" height="20" fill="#3d3d3d"/>'
        f'<rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{label_x}</text><text x="{lw + 6}" y="14">{message_x}</text></g></svg>'
    )


@router.get("/badges/{certificate_id}.svg", name="web.badge")
def badge(
    request: Request, certificate_id: str, session: SessionDep, gs: GuidelinesDep, terms: TermsDep
) -> Response:
    """Coloured by the status computed now; ``no-cache`` + ETag: embedders revalidate, so a
    revocation shows at the next view and an unchanged badge costs a 304."""
    item = certificates.certificate(session, gs, terms, certificate_id)
    label = f"{item['program_title']} {item['guideline']}"
    svg = badge_svg(label, item["status"], COLOURS[item["status"]])
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


_ATOM = "http://www.w3.org/2005/Atom"


@router.get("/certified.atom", name="web.certified.atom")
def feed(request: Request, session: SessionDep, gs: GuidelinesDep, terms: TermsDep) -> Response:
    """Issued, expiring, expired, revoked, at-risk and lapsed certificates, newest first."""
    items = certificates.list_certificates(session, gs, terms, {})
    entries = certificates.feed_entries(items, terms)[:200]
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", _ATOM)
    root = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(root, f"{{{_ATOM}}}title").text = "OpenStack certified products"
    ET.SubElement(root, f"{{{_ATOM}}}id").text = f"{base}/certified.atom"
    ET.SubElement(root, f"{{{_ATOM}}}link", href=f"{base}/certified")
    ET.SubElement(root, f"{{{_ATOM}}}link", rel="self", href=f"{base}/certified.atom")
    updated = entries[0]["at"] if entries else terms.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    ET.SubElement(root, f"{{{_ATOM}}}updated").text = updated
    for e in entries:
        c = e["certificate"]
        entry = ET.SubElement(root, f"{{{_ATOM}}}entry")
        what = f"{c['product']['name']} {c['version']['version'] or ''}".strip()
        ET.SubElement(
            entry, f"{{{_ATOM}}}title"
        ).text = f"{e['event'].capitalize()}: {what} — {c['program_title']} {c['guideline']}"
        ET.SubElement(entry, f"{{{_ATOM}}}id").text = (
            f"urn:refcore:certificate:{c['id']}:{e['event']}"
            + (f":{e['at']}" if e["event"] in ("at-risk", "lapsed") else "")
        )  # an at-risk or lapsed episode may come again
        ET.SubElement(entry, f"{{{_ATOM}}}updated").text = e["at"]
        ET.SubElement(entry, f"{{{_ATOM}}}link", href=f"{base}/certified/{c['id']}")
        author = ET.SubElement(entry, f"{{{_ATOM}}}author")
        ET.SubElement(author, f"{{{_ATOM}}}name").text = c["vendor"]["name"]
        summary = (
            f"{c['vendor']['name']}: {what}, {c['program_title']} ({c['guideline']}), {e['event']}"
        )
        if e["event"] == "revoked" and c["revoke_reason"]:
            summary += f": {c['revoke_reason']}"
        if e["event"] in ("at-risk", "lapsed") and c["freshness"]:
            summary += f": {c['freshness']['reason']}"
        ET.SubElement(entry, f"{{{_ATOM}}}summary").text = summary
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, media_type="application/atom+xml")


# -- vendors: request and follow -------------------------------------------------------------
def _my_versions(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    out = []
    for p in products.list_products(session, actor):
        if not p["can_manage"]:
            continue
        for v in products.list_versions(session, actor, p["id"]):
            label = f"{p['name']} {v['version']}" if v["version"] else f"{p['name']} (default)"
            out.append({"id": v["id"], "label": label})
    return out


@router.get("/certification/requests", response_class=HTMLResponse, name="web.cert.requests")
def requests_page(request: Request, session: SessionDep, actor: UserDep) -> HTMLResponse:
    return render(
        request,
        "certification/requests.html",
        {
            "title": "Certification requests",
            "requests": certification.list_requests(session, actor),
        },
    )


@router.get("/certification/new", response_class=HTMLResponse, name="web.cert.new")
def new_request(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    guideline: str = "2020.06",
    program: str = "platform",
) -> HTMLResponse:
    import yaml

    template = certification.declaration_template(gs, guideline, program)
    text = yaml.safe_dump(
        {k: template[k] for k in ("release", "projects", "obligations")},
        sort_keys=False,
        allow_unicode=True,
    )
    return render(
        request,
        "certification/new.html",
        {
            "title": "Request a certification",
            "versions": _my_versions(session, actor),
            "programs": certification.programs(gs),
            "guideline": template["guideline"],
            "program": template["program"],
            "declaration": text,
        },
    )


@router.post("/certification/new", dependencies=CSRF, name="web.cert.create")
def create_request(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    gs: GuidelinesDep,
    terms: TermsDep,
    product_version_id: Annotated[str, Form()],
    program: Annotated[str, Form()],
    guideline: Annotated[str, Form()],
    run_ids: Annotated[str, Form()] = "",
    declaration: Annotated[str, Form(max_length=200_000)] = "",
) -> RedirectResponse:
    body = {
        "product_version_id": product_version_id,
        "program": program,
        "guideline": guideline,
        "run_ids": [r for r in run_ids.replace(",", " ").split() if r],
        "declaration": declaration if declaration.strip() else None,
    }
    made = certification.request(session, actor, gs, terms, body)
    if made["checks_passed"]:
        flash(request, "Every pre-check passed: the request waits for the Foundation.", "success")
    else:
        failed = ", ".join(made["failed_checks"])
        flash(request, f"The request is blocked by failed pre-checks: {failed}.", "error")
    return RedirectResponse(f"/certification/requests/{made['id']}", status_code=303)


@router.get(
    "/certification/requests/{request_id}", response_class=HTMLResponse, name="web.cert.request"
)
def request_page(
    request: Request, request_id: str, session: SessionDep, actor: UserDep
) -> HTMLResponse:
    item = certification.get_request(session, actor, request_id)
    return render(
        request,
        "certification/request.html",
        {"title": f"Request: {item['product']['name']} {item['program']}", "r": item},
    )


# -- the Foundation ---------------------------------------------------------------------------
@router.get("/review", response_class=HTMLResponse, name="web.review")
def review_page(request: Request, session: SessionDep, actor: UserDep) -> HTMLResponse:
    return render(
        request,
        "certification/review.html",
        {"title": "Review queue", "q": review.queue(session, actor)},
    )


@router.post("/certification/requests/{request_id}/decide", dependencies=CSRF)
def decide(
    request: Request,
    request_id: str,
    session: SessionDep,
    actor: UserDep,
    terms: TermsDep,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    override: Annotated[str, Form(max_length=2000)] = "",
    valid_until: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if decision == "approve":
        done = certification.approve(
            session,
            actor,
            terms,
            request_id,
            reason=reason or None,
            override=override or None,
            valid_until=valid_until or None,
        )
        flash(request, f"Approved: certificate {done['certificate_id']} issued.", "success")
    elif decision == "deny":
        certification.deny(session, actor, terms, request_id, reason=reason)
        flash(request, "Denied; the vendor sees your reason.", "success")
    else:
        raise InvalidInput("decision is approve or deny")
    return RedirectResponse(f"/certification/requests/{request_id}", status_code=303)


@router.post("/certified/{certificate_id}/revoke", dependencies=CSRF)
def revoke(
    request: Request,
    certificate_id: str,
    session: SessionDep,
    actor: UserDep,
    terms: TermsDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    certification.revoke(session, actor, terms, certificate_id, reason=reason)
    flash(request, "Certificate revoked.", "success")
    return RedirectResponse(f"/certified/{certificate_id}", status_code=303)


@router.get("/audit", response_class=HTMLResponse, name="web.audit")
def audit_page(
    request: Request,
    session: SessionDep,
    actor: UserDep,
    object_type: str | None = None,
    object_id: str | None = None,
) -> HTMLResponse:
    rows = audit.events(
        session, actor, object_type=object_type or None, object_id=object_id or None
    )
    return render(
        request,
        "certification/audit.html",
        {
            "title": "Audit log",
            "rows": rows,
            "types": audit.OBJECT_TYPES,
            "object_type": object_type or "",
        },
    )
