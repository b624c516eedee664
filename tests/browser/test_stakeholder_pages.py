"""The stakeholder map in a real Chromium (issue 15), at 1280 and 375 px, on both databases:
a manager registers a team, a contributor confirms, the manager opens an initiative and
commits, the map shows the team and who is not in the room, the Foundation publishes a draft
from the drafts page and the managers concerned get an e-mail (a real local SMTP server);
the impact page names the team. Public pages never show an e-mail address."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import horizontal_overflow, login, shot, unlabelled_fields, wide_elements
from refcore_testing import Inbox

from refcore.core import authoring
from refcore.core.contributions import author_id

SLO = "objectstore-slo-support"
DB_KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("REFCORE_TEST_DATABASE_URL") else [])


@dataclass
class StakeServer:
    url: str
    db_url: str
    kind: str
    inbox: Inbox

    def user(self, name: str, email: str, *, foundation: bool = False) -> str:
        from refcore.services import accounts
        from refcore.storage.db import Database

        db = Database.from_url(self.db_url)
        try:
            with db.read() as session:
                user = accounts.create_user(
                    session, name, email=email, fullname=name.split("-")[0].title(),
                    foundation=foundation,
                )  # fmt: skip
                return accounts.create_token(session, user)
        finally:
            db.dispose()


@pytest.fixture(scope="module", params=DB_KINDS)
def server(
    request: pytest.FixtureRequest,
    chromium: Any,
    interop_dir: Path,
    shared_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StakeServer]:
    """``refcore serve`` with development login, the contrib data and a local SMTP server."""
    from refcore_testing import _fresh_database, smtp_server, start_server, stop_server

    servers = ExitStack()
    inbox, port = servers.enter_context(smtp_server())
    db_url, cleanup = _fresh_database(str(request.param), "stakebrowser", tmp_path_factory)
    env = {
        "REFCORE_DEV_LOGIN": "1",
        "REFCORE_CONTRIB": str(shared_dir / "contrib"),
        "REFCORE_SMTP_HOST": "127.0.0.1",
        "REFCORE_SMTP_PORT": str(port),
    }
    process, url = start_server(db_url, interop_dir, env=env)
    try:
        yield StakeServer(url, db_url, str(request.param), inbox)
    finally:
        stop_server(process)
        servers.close()
        cleanup()


def draft_file(guidelines: Any, folder: Path) -> Path:
    doc: dict[str, Any] = json.loads(json.dumps(guidelines["2020.06"].raw))
    doc["metadata"]["id"] = "2030.01"
    doc["metadata"]["os_trademark_approval"].update(replaces="2020.06", status="draft")
    first = guidelines["2020.06"].capabilities[SLO].tests[0].name
    doc = authoring.flag_test(doc, SLO, first, reason="flaky", date="2026-12-01")
    path = folder / "2030.01.json"
    path.write_text(json.dumps(doc))
    return path


def check_page(page: Any, width: int) -> None:
    assert horizontal_overflow(page) == 0, wide_elements(page)
    assert unlabelled_fields(page) == []


def test_register_confirm_initiative_map_and_draft_notice(
    server: StakeServer, new_page: Any, shots: Path, guidelines: Any, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    mona, carl, fran = f"mona-{tag}", f"carl-{tag}", f"fran-{tag}"
    server.user(mona, f"{mona}@redhat.example")
    carl_email = f"{carl}@users.example"
    server.user(carl, carl_email)
    server.user(fran, f"{fran}@openinfra.example", foundation=True)

    # the manager registers a team (1280 px)
    page = new_page(1280)
    login(page, mona)
    page.goto("/stakeholders")
    check_page(page, 1280)
    page.get_by_label("Organisation").fill("Red Hat")
    page.get_by_label("Team name").fill("Object storage")
    page.get_by_label("Your role").select_option("manager")
    page.get_by_label("Capabilities the team works on").fill(SLO)
    page.get_by_label("Designated sections").fill("swift: slo")
    page.get_by_label("Contributor ids on the team").fill(author_id(carl_email))
    page.get_by_label("Contact (optional)").fill(f"storage-{tag}@redhat.example")
    page.get_by_role("button", name="Register the team").click()
    page.wait_for_url("**/stakeholders#mine")
    assert "Registered Object storage at Red Hat." in page.locator(".flash").inner_text()
    assert "1 contributor, 0 confirmed" in page.locator("#mine + ul").inner_text()
    shot(page, shots, "stakeholders-registered-1280")

    # the contributor confirms on a phone (375 px)
    phone = new_page(375, 800)
    login(phone, carl)
    phone.goto("/stakeholders#listed")
    check_page(phone, 375)
    phone.get_by_role("button", name="Confirm I am on Object storage").click()
    phone.wait_for_url("**/stakeholders#listed")
    assert (
        "You confirmed you are on Object storage (Red Hat)." in phone.locator(".flash").inner_text()
    )
    assert "confirmed" in phone.locator("#listed ~ ul").first.inner_text()
    shot(phone, shots, "stakeholders-confirmed-375")

    # the map: the team beside its organisation; who is not in the room
    page.goto(f"/stakeholders/map?capability={SLO}&since=2019-01-01&until=2024-12-31")
    check_page(page, 1280)
    rows = page.locator("#organisations tbody tr")
    red_hat = rows.filter(has_text="Red Hat").first
    assert "Object storage" in red_hat.inner_text()
    outside = page.locator("#not-in-the-room + p + ul").inner_text()
    assert "NVIDIA" in outside and "Red Hat" not in outside
    assert "PTL: Tim Burke" in page.locator("main").inner_text()

    # an initiative, and a commitment to it
    page.get_by_label("Title").fill(f"make {SLO} ready to be required")
    page.get_by_role("button", name="Open the initiative").click()
    page.wait_for_url("**#initiative-*")
    card = page.locator("section.card").first
    page.get_by_label("Headcount").first.fill("2")
    page.get_by_label("Review hours a week").first.fill("6")
    page.get_by_role("button", name="Commit").first.click()
    page.wait_for_url("**#initiative-*")
    card = page.locator("section.card").first
    assert "Committed: 2 people, 6 review hours a week, 1 organisation." in card.inner_text()
    assert "Red Hat — Object storage: 2 people, 6 h/week" in card.inner_text()
    shot(page, shots, "stakeholders-map-1280")

    # anonymous, on a phone: organisations and roles, never an address
    anon = new_page(375, 800)
    anon.goto(f"/stakeholders/map?capability={SLO}&since=2019-01-01&until=2024-12-31")
    check_page(anon, 375)
    assert "@" not in anon.content() and "Contact" not in anon.locator("main").inner_text()
    anon.goto("/stakeholders")
    assert "@" not in anon.content()
    shot(anon, shots, "stakeholders-map-375")

    # the Foundation publishes a draft from the drafts page: the manager gets an e-mail
    boss = new_page(1280)
    login(boss, fran)
    boss.goto("/drafts")
    boss.get_by_label("Draft guideline (JSON)").set_input_files(
        str(draft_file(guidelines, tmp_path))
    )
    boss.get_by_label("Publish it for everyone").check()
    before = len(server.inbox.envelopes)
    boss.get_by_role("button", name="Check").click()
    boss.wait_for_url("**/drafts/2030.01")
    assert "Published draft 2030.01. 1 manager(s) e-mailed." in boss.locator(".flash").inner_text()
    ((to, message),) = server.inbox.envelopes[before:]
    assert to == [f"storage-{tag}@redhat.example"] and SLO.encode() in message.as_bytes()
    boss.get_by_role("link", name="Who needs to hear about it").click()
    boss.wait_for_url("**/stakeholders/impact/2030.01")
    check_page(boss, 1280)
    row = boss.locator("#impact tbody tr").filter(has_text=SLO)
    assert "test flagged" in row.inner_text() and "Object storage (Red Hat)" in row.inner_text()
    assert "sent" in boss.locator("main").inner_text()
    shot(boss, shots, "stakeholders-impact-1280")
    small = new_page(375, 800)
    login(small, fran)
    small.goto("/stakeholders/impact/2030.01")
    check_page(small, 375)
    shot(small, shots, "stakeholders-impact-375")
