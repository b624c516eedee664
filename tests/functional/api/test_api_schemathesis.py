"""schemathesis over the app's own ``/openapi.json`` (issue 10): every operation gets
generated input, valid and invalid (odd strings, huge numbers, missing fields), on
SQLite and PostgreSQL; no answer may be a 5xx and every answer must have the content
type and body its schema declares. A new endpoint is covered the day it is added.

Bounded so it stays a test and not a soak: a few examples per operation and mode, a
fixed seed (``derandomize``), no shrinking past the first failure. Every operation is
run; valid input both anonymously and with a logged-in user's token, invalid input with
the token (anonymous, most of it stops at the 401). No operation is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from refcore_testing import _fresh_database
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

EXAMPLES = 3  # per operation, per generation mode
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api(
    guidelines, db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str]]:  # type: ignore[no-untyped-def]
    from refcore.config import Settings
    from refcore.server.app import create_app
    from refcore.services import accounts
    from refcore.services.guidelines import FixedSource
    from refcore.storage.db import Database
    from refcore.storage.migrate import upgrade

    url, cleanup = _fresh_database(db_kind, "fuzz", tmp_path_factory)
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.read() as session:
        user = accounts.create_user(session, f"fuzz-{uuid.uuid4().hex[:8]}")
        token = accounts.create_token(session, user)
    settings = Settings(
        database_url=url, secret_key="fuzz", allowed_hosts=["testserver", "localhost"]
    )
    app = create_app(settings, db=db, guidelines=FixedSource(guidelines))
    yield app, token
    db.dispose()
    cleanup()


def _fuzz(strategy: Any, senders: tuple[dict[str, str], ...]) -> Any:
    """A bounded Hypothesis test sending each generated case as each of ``senders``."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        for headers in senders:
            response = case.call(headers=headers, allow_redirects=False)
            case.validate_response(response, checks=CHECKS, headers=headers)

    return run


def test_no_operation_answers_5xx_or_off_its_schema(api: tuple[Any, str]) -> None:
    app, token = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        positive = schemathesis.GenerationMode.POSITIVE
        for mode in (positive, schemathesis.GenerationMode.NEGATIVE):
            signed_in = {"Authorization": f"Bearer {token}"}
            senders = ({}, signed_in) if mode is positive else (signed_in,)

            run = _fuzz(operation.as_strategy(generation_mode=mode), senders)

            try:
                run()
            except Unsatisfiable:  # nothing can be made invalid (no parameters, no body)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported at the end
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)
