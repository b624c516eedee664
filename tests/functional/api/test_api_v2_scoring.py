"""refcore v2 scoring over real HTTP: criteria and totals, worksheet checks, what-if
weights, guideline diffs, usage declarations, criteria suggested from the stored
runs (with constructed clouds, on a server of its own so the counts are exact),
what-if over stored runs with privacy, and the one error shape on every endpoint."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from refcore_testing import LiveServer, _fresh_database, start_server, stop_server

from refcore.cli import cli
from refcore.core.diff import diff_guidelines
from refcore.core.results import parse_run
from refcore.core.scoring import Marks, Scoring
from refcore.core.whatif import what_if

X = "compute-flavors-list"  # two tests in 2020.06


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def passed_list(names: list[str]) -> bytes:
    return ("\n".join(names) + "\n").encode()


# -- a server of its own: the cloud counts are exact ---------------------------------------
@pytest.fixture(scope="module")
def fresh(db_kind: str, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url, cleanup = _fresh_database(db_kind, "scoring", tmp_path_factory)
    process, base = start_server(url, interop_dir)
    server = LiveServer(base, url, process)
    with httpx.Client(base_url=base, timeout=60) as client:
        yield server, client
    server.close()
    stop_server(process)
    cleanup()


def x_mark(client: httpx.Client, **params: object) -> tuple[dict, str]:
    r = client.get("/v2/scoring/2020.06/suggest", params=params)
    assert r.status_code == 200, r.text
    cap = next(c for c in r.json()["capabilities"] if c["capability"] == X)
    return cap, r.text


def _verify(server: LiveServer, run_id: str, vendor: str, product: str) -> None:
    """What the Foundation does through RefStack's flows (vendor, product, version, verify),
    written straight to the server's database."""
    from refcore.storage.models import Organization, Product, ProductVersion, Run

    with server.db.write() as session:
        if session.get(Organization, vendor) is None:
            session.add(Organization(id=vendor, type=3, name=vendor))
        if session.get(Product, product) is None:
            session.add(
                Product(id=product, name=product, organization_id=vendor, type=0, product_type=0)
            )
            session.add(ProductVersion(id=f"{product}-v", product_id=product, version="1"))
        session.flush()
        run = session.get(Run, run_id)
        run.product_version_id, run.verification_status = f"{product}-v", 1
        session.commit()


def test_widely_deployed_from_verified_products_only(fresh, guidelines) -> None:  # type: ignore[no-untyped-def]
    server, client = fresh
    tests = [t.name for t in guidelines["2020.06"].capabilities[X].tests]
    other = "tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token"
    tag = uuid.uuid4().hex[:8]

    def upload(cpid: str, names: list[str], token: str | None = None) -> str:
        headers = bearer(token) if token else {}
        r = client.post(
            "/v2/runs", params={"cpid": cpid}, content=passed_list(names), headers=headers
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    # a flood of anonymous clouds moves nothing: nobody stands behind them
    for i in range(8):
        upload(f"junk-{tag}-{i}", tests)
    cap, text = x_mark(client)
    deployed = cap["computed"]["deployed"]
    assert deployed["value"] == "?"
    assert json.loads(text)["evidence"]["unverified_clouds"] == 8
    # verified products of two vendors: still fewer than k = 3 vendors, no counts shown
    for vendor, product, names in (("va", "pa", tests), ("vb", "pb", tests)):
        _verify(server, upload(f"c-{tag}-{product}", names), f"{vendor}-{tag}", f"{product}-{tag}")
    cap, text = x_mark(client)
    assert cap["computed"]["deployed"]["value"] == "?"
    assert "products" not in cap["computed"]["deployed"]["evidence"]
    assert json.loads(text)["evidence"]["products"] is None
    # a third vendor with two products, one passing X: 3 of 4 products pass
    _verify(server, upload(f"c-{tag}-pc", [tests[0], other]), f"vc-{tag}", f"pc-{tag}")
    _verify(server, upload(f"c-{tag}-pd", tests), f"vc-{tag}", f"pd-{tag}")
    cap, text = x_mark(client)
    deployed = cap["computed"]["deployed"]
    assert deployed["value"] == "1"
    evidence = deployed["evidence"]
    assert (evidence["products"], evidence["vendors"], evidence["passing"]) == (4, 3, 3)
    assert not any(f"{n}-{tag}" in text for n in ("va", "vb", "vc", "pa", "pb", "pc", "pd"))
    assert "junk-" not in text and f"c-{tag}" not in text  # no cpid ever leaves the server
    assert x_mark(client, k=4)[0]["computed"]["deployed"]["value"] == "?"
    recorded = "deployed" in guidelines["2020.06"].capabilities[X].achievements
    assert ("deployed" in x_mark(client)[0]["differences"]) == (not recorded)  # computed 1
    # k-anonymity cannot be turned down by the caller
    r = client.get("/v2/scoring/2020.06/suggest", params={"k": 2})
    assert r.status_code == 422 and "below 3" in r.json()["error"]


def test_usage_declarations_upload_list_and_count(fresh) -> None:  # type: ignore[no-untyped-def]
    server, client = fresh
    owner = server.user("usage-" + uuid.uuid4().hex[:6])
    other = server.user("usage-" + uuid.uuid4().hex[:6])
    mist = {"name": "mist", "kind": "client", "capabilities": [X, "compute-servers-create"]}
    assert client.post("/v2/usage", json=mist).status_code == 401
    r = client.post("/v2/usage", json=mist, headers=bearer(owner))
    assert r.status_code == 201, r.text
    assert r.json()["capabilities"] == sorted(mist["capabilities"])
    yaml_tool = f"name: ansible-modules\nkind: tool\ncapabilities: [{X}]\n"
    r = client.post(
        "/v2/usage", content=yaml_tool, headers={**bearer(other), "Content-Type": "text/yaml"}
    )
    assert r.status_code == 201
    assert client.post("/v2/usage", json=mist, headers=bearer(other)).status_code == 409
    assert client.post("/v2/usage", json=mist, headers=bearer(owner)).status_code == 200
    listing = client.get("/v2/usage").json()
    assert [(d["kind"], d["name"]) for d in listing["declarations"]] == [
        ("client", "mist"),
        ("tool", "ansible-modules"),
    ]
    assert listing["counts"][X] == {"clients": 1, "tools": 1}
    assert listing["counts"]["compute-servers-create"] == {"clients": 1, "tools": 0}
    cap, _ = x_mark(client)
    assert cap["computed"]["clients"]["value"] == "1"
    assert cap["computed"]["clients"]["evidence"]["used_by"] == ["mist"]
    assert cap["computed"]["tools"]["evidence"]["used_by"] == ["ansible-modules"]
    bad = client.post(
        "/v2/usage", json={"name": "x", "kind": "robot", "extra": 1}, headers=bearer(owner)
    )
    assert bad.status_code == 422
    assert len(bad.json()["errors"]) >= 2  # every schema problem listed
    # deleting: only the owner (or the Foundation); its capabilities stop counting
    mist_id = listing["declarations"][0]["id"]
    assert client.delete(f"/v2/usage/{mist_id}").status_code == 401
    assert client.delete(f"/v2/usage/{mist_id}", headers=bearer(other)).status_code == 403
    assert client.delete(f"/v2/usage/{mist_id}", headers=bearer(owner)).status_code == 204
    assert client.delete(f"/v2/usage/{mist_id}", headers=bearer(owner)).status_code == 404
    listing = client.get("/v2/usage").json()
    assert [d["name"] for d in listing["declarations"]] == ["ansible-modules"]
    assert listing["counts"][X] == {"clients": 0, "tools": 1}
    assert "compute-servers-create" not in listing["counts"]


# -- on the shared server -----------------------------------------------------------------
def test_diff_matches_the_core(http: httpx.Client, guidelines) -> None:
    r = http.get("/v2/guidelines/2016.01/diff/2016.08")
    assert r.status_code == 200
    expected = diff_guidelines(guidelines["2016.01"], guidelines["2016.08"]).to_dict()
    assert r.json() == json.loads(json.dumps(expected))
    # the figures docs/scoring.md states, checked by hand against the files
    body = r.json()
    assert len(body["capabilities_added"]) == 9 and len(body["capabilities_removed"]) == 5


def test_scoring_overview(http: httpx.Client, guidelines) -> None:
    body = http.get("/v2/scoring/2020.06").json()
    assert (body["cutoff_score"], body["total_weight"]) == (74, 100)
    weights = {k: c["weight"] for k, c in body["criteria"].items()}
    assert weights == {k: c.weight for k, c in guidelines["2020.06"].criteria.items()}
    g = guidelines["2020.06"]
    assert [r["capability"] for r in body["capabilities"]] == list(g.capabilities)
    for row in body["capabilities"]:
        marked = set(g.capabilities[row["capability"]].achievements)
        assert row["total"] == sum(w for k, w in weights.items() if k in marked)
        assert row["star"] == (row["total"] >= 74)
    assert body["reaching_cutoff"] == [r["capability"] for r in body["capabilities"] if r["star"]]


def test_check_gives_the_clis_rows(http: httpx.Client, interop_dir: Path) -> None:
    for name, guideline, rows, matching in (
        ("scoring.txt", "next", 140, 140),
        ("scoring_orchestration.txt", "orchestration.next", 17, 0),
    ):
        sheet = interop_dir / "working_materials" / name
        r = http.post(
            "/v2/scoring/check", json={"guideline": guideline, "worksheet": sheet.read_text()}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["rows"].__len__(), body["matching"]) == (rows, matching)
        cli_out = CliRunner().invoke(
            cli,
            ["scoring", "check", str(sheet), "--guideline", guideline, "--json"]
            + ["--guidelines", str(interop_dir)],
        )
        assert body["rows"] == json.loads(cli_out.output)
    bad = http.post("/v2/scoring/check", json={"guideline": "next", "worksheet": "hello\n"})
    assert bad.status_code == 422 and "no scored rows" in bad.json()["error"]
    old = http.post("/v2/scoring/check", json={"guideline": "2015.03", "worksheet": "x"})
    assert old.status_code == 422 and "cutoff_score" in old.json()["error"]


def test_what_if_weights(http: httpx.Client, guidelines) -> None:
    g = guidelines["2020.06"]
    base = Scoring.from_guideline(g)
    r = http.post("/v2/scoring/whatif", json={"guideline": "2020.06", "weights": {"sticky": 0}})
    assert r.status_code == 200, r.text
    body = r.json()
    changed = Scoring.explicit(
        {k: (0 if k == "sticky" else base.weight(k)) for k in base.criteria}, base.cutoff
    )
    for row in body["capabilities"]:
        marks = Marks.from_achievements(g.capabilities[row["capability"]].achievements)
        assert row["what_if_total"] == changed.score(marks).total
    assert body["lost"] == [
        r["capability"] for r in body["capabilities"] if r["star"] and not r["what_if_star"]
    ]
    higher = http.post("/v2/scoring/whatif", json={"guideline": "2020.06", "cutoff": 80}).json()
    totals = {
        n: base.score(Marks.from_achievements(c.achievements)).total
        for n, c in g.capabilities.items()
    }
    assert higher["lost"] == [n for n, t in totals.items() if 74 <= t < 80]
    assert len(higher["lost"]) == 12  # 2 at 74, 2 at 75, 2 at 76, 1 at 77, 5 at 79
    none = http.post("/v2/scoring/whatif", json={"guideline": "2020.06", "cutoff": 101}).json()
    assert none["reaching_cutoff"] == [] and none["gained"] == []
    cap = body["capabilities"][0]["capability"]
    zeroes = dict.fromkeys(base.criteria, 0)
    one = http.post(
        "/v2/scoring/whatif", json={"guideline": "2020.06", "marks": {cap: zeroes}}
    ).json()
    row = next(r for r in one["capabilities"] if r["capability"] == cap)
    assert row["what_if_total"] == 0 and not row["what_if_star"]


def test_what_if_over_stored_runs_respects_privacy(
    http: httpx.Client, live_server, guidelines
) -> None:  # type: ignore[no-untyped-def]
    owner = live_server.user("wi-owner-" + uuid.uuid4().hex[:6])
    other = live_server.user("wi-other-" + uuid.uuid4().hex[:6])
    names = guidelines["2015.07"].test_list("platform")
    data = passed_list(names)
    run_id = http.post("/v2/runs", content=data, headers=bearer(owner)).json()["id"]
    product = http.post(
        "/v1/products",
        json={"name": "WI", "product_type": 1, "version": "7"},
        headers=bearer(owner),
    ).json()["id"]
    version = next(
        v
        for v in http.get(f"/v1/products/{product}/versions", headers=bearer(owner)).json()
        if v["version"] == "7"
    )["id"]
    r = http.put(
        f"/v2/runs/{run_id}/product-version",
        json={"product_version_id": version},
        headers=bearer(owner),
    )
    assert r.status_code == 200
    params = {"from": "2015.07", "to": "2016.08", "by": "product", "limit": 200}

    def rows_for(headers: dict[str, str]) -> list[dict]:
        r = http.get("/v2/whatif", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [row for row in r.json()["runs"] if row.get("product", {}).get("id") == product]

    mine = rows_for(bearer(owner))
    assert len(mine) == 1 and mine[0]["run_id"] == run_id
    assert mine[0]["product"]["version"] == "7" and mine[0]["product"]["name"] == "WI"
    core = what_if({"r": parse_run(data)}, guidelines["2015.07"], guidelines["2016.08"])
    expected = core.rows[0].to_dict()
    assert (mine[0]["meets_a"], mine[0]["meets_b"], mine[0]["change"]) == (True, False, "lost")
    assert mine[0]["missing_b"] == expected["missing_b"] and len(expected["missing_b"]) == 123
    assert rows_for(bearer(other)) == [] and rows_for({}) == []
    # by cloud: an anonymous run with a cpid, named by its run, never by its cpid
    cpid = f"cloud-{uuid.uuid4().hex}"
    anon = http.post("/v2/runs", params={"cpid": cpid}, content=data).json()["id"]
    r = http.get("/v2/whatif", params={**params, "by": "cloud"})
    assert r.status_code == 200 and cpid not in r.text
    row = next(x for x in r.json()["runs"] if x["run_id"] == anon)
    assert row["change"] == "lost" and "product" not in row


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/v2/guidelines/1999.01/diff/2020.06", {}, 404),
        ("get", "/v2/guidelines/2020.06/diff/nope", {}, 404),
        ("get", "/v2/scoring/1999.01", {}, 404),
        ("get", "/v2/scoring/1999.01/suggest", {}, 404),
        ("get", "/v2/scoring/2020.06/suggest?k=1", {}, 422),
        ("get", "/v2/scoring/2020.06/suggest?share=2", {}, 400),
        ("post", "/v2/scoring/check", {"json": {"guideline": "next"}}, 400),
        ("post", "/v2/scoring/check", {"json": {"guideline": "x", "worksheet": ""}}, 404),
        (
            "post",
            "/v2/scoring/whatif",
            {"json": {"guideline": "2020.06", "weights": {"x": 1}}},
            422,
        ),
        ("post", "/v2/scoring/whatif", {"json": {"guideline": "2020.06", "marks": {"x": {}}}}, 422),
        ("get", "/v2/whatif?from=2016.01", {}, 400),
        ("get", "/v2/whatif?from=2016.01&to=1999.01", {}, 404),
        ("get", "/v2/whatif?from=2016.01&to=2016.08&target=moon", {}, 400),
        ("get", "/v2/whatif?from=2016.01&to=2016.08&by=vendor", {}, 400),
        ("post", "/v2/usage", {"json": {"name": "x", "kind": "client"}}, 401),
        ("post", "/v2/usage", {"data": {"a": "1"}}, 415),
        ("post", "/v2/verdicts", {"json": {"guideline": "havana"}}, 400),
        ("post", "/v2/verdicts", {"json": {"guideline": "havana", "profile": {}}}, 422),
        ("post", "/v2/verdicts", {"json": {"guideline": "1999.01", "profile": {}}}, 404),
    ],
)
def test_one_error_shape_on_every_new_endpoint(
    http: httpx.Client, method: str, path: str, kwargs: dict, status: int
) -> None:
    r = getattr(http, method)(path, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status and body["error"]


def test_openapi_documents_the_new_endpoints(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/v2/guidelines/{a}/diff/{b}",
        "/v2/scoring/{guideline}",
        "/v2/scoring/check",
        "/v2/scoring/{guideline}/suggest",
        "/v2/scoring/whatif",
        "/v2/whatif",
        "/v2/usage",
        "/v2/verdicts",
    ):
        assert path in paths, path


def test_every_v2_endpoint_is_in_docs_server_md(http: httpx.Client) -> None:
    import re

    def norm(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    docs = norm((Path(__file__).resolve().parents[3] / "docs" / "server.md").read_text())
    paths = [p for p in http.get("/openapi.json").json()["paths"] if p.startswith("/v2")]
    assert [p for p in paths if norm(p) not in docs] == []


def alias_bomb(levels: int, key: str) -> str:
    """YAML whose aliases expand ten-fold per level (a "billion laughs")."""
    lines = ["name: bomb", "kind: client", "x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join([*lines, f"{key}: *x{levels - 1}"])


def test_usage_yaml_aliases_refused(http: httpx.Client, live_server: LiveServer) -> None:
    """A 500-byte declaration must not expand to millions of items (here: 10 MB of
    error messages; a few more levels exhaust the server's memory)."""
    token = live_server.user("bomb-" + uuid.uuid4().hex[:6])
    r = http.post("/v2/usage", content=alias_bomb(6, "capabilities"), headers=bearer(token))
    assert r.status_code == 422, r.text[:300]
    assert len(r.content) < 2000
    assert r.json()["error"] == (
        "usage declaration: not YAML or JSON at line 4, column 10: aliases (*name) are not accepted"
    )
    deep = "name: deep\nkind: client\ncapabilities: " + "[" * 5000 + "]" * 5000
    r = http.post("/v2/usage", content=deep, headers=bearer(token))
    assert r.status_code == 422, r.text[:300]
    assert "nested deeper than 64 levels" in r.json()["error"]
