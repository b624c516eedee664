"""What the sandbox creates in its Keystone, through the v3 REST API, idempotently:
each service's user and catalog entry, the ``ResellerAdmin`` role, a non-admin demo
user, and Tempest's static test accounts (member users in their own projects, and a few
with ``ResellerAdmin`` too, as Tempest's object-storage tests ask for)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from refcore.errors import RunnerError

__all__ = ["Account", "IdentitySetup", "static_accounts"]

REGION = "RegionOne"
MEMBER_ACCOUNTS = 6
RESELLER_ACCOUNTS = 3


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    project: str
    password: str
    roles: tuple[str, ...]

    def to_tempest(self) -> dict[str, Any]:
        # Tempest hands out static accounts by the roles written in accounts.yaml, not by
        # Keystone's. A reseller account written with "member" too can be handed out as a
        # plain member (operator) account, and then AccountQuotasNegativeTest finds that
        # its "member" may change quotas. So each account names only the role it is for.
        declared = [r for r in self.roles if r != "member"] or list(self.roles)
        return {
            "username": self.username,
            "project_name": self.project,
            "password": self.password,
            "domain_name": "Default",
            "roles": declared,
        }


def static_accounts(password: str) -> list[Account]:
    members = [
        Account(f"refcore-tester-{i}", f"refcore-tester-{i}", password, ("member",))
        for i in range(1, MEMBER_ACCOUNTS + 1)
    ]
    resellers = [
        Account(
            f"refcore-reseller-{i}", f"refcore-reseller-{i}", password, ("member", "ResellerAdmin")
        )
        for i in range(1, RESELLER_ACCOUNTS + 1)
    ]
    return members + resellers


class IdentitySetup:
    """Create-or-find helpers over Keystone v3, authenticated as the bootstrap admin."""

    def __init__(self, keystone_url: str, admin_password: str) -> None:
        self.url = keystone_url.rstrip("/") + "/v3"
        self.http = httpx.Client(timeout=30)
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": "admin",
                            "password": admin_password,
                            "domain": {"id": "default"},
                        }
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        }
        response = self.http.post(self.url + "/auth/tokens", json=body)
        if response.status_code != 201:
            raise RunnerError(f"sandbox Keystone refused its admin: {response.status_code}")
        self.http.headers["X-Auth-Token"] = response.headers["X-Subject-Token"]

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, self.url + path, **kw)
        if response.status_code >= 400:
            raise RunnerError(
                f"sandbox Keystone: {method} {path} -> {response.status_code} {response.text[:200]}"
            )
        return response.json() if response.content else None

    def _find_or_create(self, kind: str, query: dict[str, str], body: dict[str, Any]) -> str:
        found = self._call("GET", f"/{kind}s", params=query)[f"{kind}s"]
        if found:
            return str(found[0]["id"])
        return str(self._call("POST", f"/{kind}s", json={kind: body})[kind]["id"])

    def project(self, name: str) -> str:
        body = {"name": name, "domain_id": "default"}
        return self._find_or_create("project", {"name": name}, body)

    def role(self, name: str) -> str:
        return self._find_or_create("role", {"name": name}, {"name": name})

    def user(self, name: str, password: str, project_id: str) -> str:
        body = {
            "name": name,
            "password": password,
            "domain_id": "default",
            "default_project_id": project_id,
        }
        return self._find_or_create("user", {"name": name}, body)

    def grant(self, project_id: str, user_id: str, role_id: str) -> None:
        self._call("PUT", f"/projects/{project_id}/users/{user_id}/roles/{role_id}")

    def account(self, account: Account) -> None:
        project_id = self.project(account.project)
        user_id = self.user(account.username, account.password, project_id)
        for role in account.roles:
            self.grant(project_id, user_id, self.role(role))

    def service_user(self, name: str, password: str) -> None:
        """A service's user in project ``service``, with roles admin and service."""
        service_project = self.project("service")
        user = self.user(name, password, service_project)
        for role in ("admin", "service"):
            self.grant(service_project, user, self.role(role))

    def catalog(self, kind: str, name: str, url: str) -> None:
        """The service ``kind`` named ``name`` with public, internal and admin endpoints."""
        service_id = self._find_or_create(
            "service", {"type": kind}, {"type": kind, "name": name, "enabled": True}
        )
        existing = self._call("GET", "/endpoints", params={"service_id": service_id})["endpoints"]
        have = {e["interface"] for e in existing}
        for interface in ("public", "internal", "admin"):
            if interface not in have:
                endpoint = {
                    "service_id": service_id,
                    "interface": interface,
                    "region_id": REGION,
                    "url": url,
                }
                self._call("POST", "/endpoints", json={"endpoint": endpoint})

    def object_store(self, swift_url: str) -> None:
        """Swift's catalog entry and the ``ResellerAdmin`` role."""
        self.role("ResellerAdmin")
        self.catalog("object-store", "swift", swift_url.rstrip("/") + "/v1/AUTH_%(project_id)s")
