"""``refcore guidelines edit FILE ...`` and ``refcore guidelines ready FILE``: the working
group's loop on a draft guideline file.

Every edit reads the file, applies one change of :mod:`refcore.core.authoring` (which records
the reason in ``metadata.changes``), checks the result against the published 2.0 schema,
writes the file only if it is still valid, and prints the draft's diff against the guideline
it came from (its ``replaces``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from refcore.errors import InvalidGuideline, InvalidInput

from ._common import console, guidelines_option, json_option, load, pick, print_json, styled

__all__ = ["edit", "ready"]


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidGuideline(f"{path}: not a guideline file: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidGuideline(f"{path}: not a guideline file (not a JSON object)")
    return doc


def _apply(ctx: click.Context, change: Callable[[dict[str, Any], str], dict[str, Any]]) -> None:
    """Read the file, apply ``change(doc, date)``, validate, write, show the diff."""
    from refcore.core.diff import diff_guidelines
    from refcore.core.parsing import parse_guideline
    from refcore.core.validation import validate_document
    from refcore.readers.guidelines import resolve_source, schemas_in

    from .authoring import print_diff

    path: Path = ctx.obj["file"]
    source: str | None = ctx.obj["source"]
    as_json: bool = ctx.obj["json"]
    doc = change(_read(path), ctx.obj["date"])
    schema = schemas_in(resolve_source(source)).get("2.0")
    problems = (
        validate_document(doc, schema, file=path.name, schema_name="2.0.json") if schema else []
    )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InvalidInput(
            f"{path}: the change would make the guideline invalid; nothing written",
            errors=[str(e) for e in errors],
        )
    edited = parse_guideline(doc, file=path.name)
    path.write_text(json.dumps(doc, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")
    base_id = edited.replaces
    gs = load(source)
    base = gs[base_id] if base_id and base_id in gs else None
    change_made = doc["metadata"]["changes"][-1]
    if as_json:
        diff = diff_guidelines(base, edited).to_dict() if base else None
        print_json({"file": str(path), "change": change_made, "against": base_id, "diff": diff})
        return
    out = console()
    out.print(f"{path}: {change_made['change']} — {change_made['reason']}")
    if base is None:
        out.print(styled(f"no guideline {base_id!r} to compare with", "skipped"))
        return
    out.print(f"diff against {base.id}:")
    print_diff(diff_guidelines(base, edited))


@click.group()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", default=None, metavar="YYYY-MM-DD", help="Date recorded (default today).")
@guidelines_option
@json_option
@click.pass_context
def edit(
    ctx: click.Context, file: Path, date: str | None, guidelines_source: str | None, as_json: bool
) -> None:
    """Change a draft guideline FILE (schema 2.0), keeping it valid; every change records why
    in metadata.changes and shows the diff against the guideline the draft replaces."""
    ctx.obj = {"file": file, "date": date or _today(), "source": guidelines_source, "json": as_json}


_reason = click.option("--reason", required=True, help="Why (recorded in the guideline).")


@edit.command("add-capability")
@click.argument("name")
@click.option("--component", required=True, help="e.g. os_powered_compute")
@click.option("--project", required=True, help="e.g. nova")
@click.option("--description", required=True)
@click.option("--status", default="advisory", show_default=True)
@_reason
@click.pass_context
def add_capability(
    ctx: click.Context,
    name: str,
    component: str,
    project: str,
    description: str,
    status: str,
    reason: str,
) -> None:
    """Add capability NAME (then add its tests with add-test)."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.add_capability(
            doc,
            name,
            component=component,
            project=project,
            description=description,
            status=status,
            reason=reason,
            date=date,
        ),
    )


@edit.command("remove-capability")
@click.argument("name")
@_reason
@click.pass_context
def remove_capability(ctx: click.Context, name: str, reason: str) -> None:
    """Remove capability NAME and every listing of it."""
    from refcore.core import authoring

    _apply(ctx, lambda doc, date: authoring.remove_capability(doc, name, reason=reason, date=date))


@edit.command("set-status")
@click.argument("name")
@click.argument("status", type=click.Choice(["required", "advisory", "deprecated", "removed"]))
@click.option("--component", default=None, help="Only in this component.")
@_reason
@click.pass_context
def set_status(
    ctx: click.Context, name: str, status: str, component: str | None, reason: str
) -> None:
    """Move capability NAME to STATUS."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.set_status(
            doc, name, status, reason=reason, date=date, component=component
        ),
    )


@edit.command("add-test")
@click.argument("capability")
@click.argument("test")
@click.option("--idempotent-id", required=True, help="The test's id-<uuid>.")
@click.option("--alias", "aliases", multiple=True, help="Another name of the test (repeat).")
@_reason
@click.pass_context
def add_test(
    ctx: click.Context,
    capability: str,
    test: str,
    idempotent_id: str,
    aliases: tuple[str, ...],
    reason: str,
) -> None:
    """Add TEST to CAPABILITY."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.add_test(
            doc,
            capability,
            test,
            idempotent_id=idempotent_id,
            aliases=aliases,
            reason=reason,
            date=date,
        ),
    )


@edit.command("add-alias")
@click.argument("capability")
@click.argument("test")
@click.argument("alias")
@_reason
@click.pass_context
def add_alias(ctx: click.Context, capability: str, test: str, alias: str, reason: str) -> None:
    """Add ALIAS as another name of TEST of CAPABILITY (Tempest renamed it)."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.add_alias(
            doc, capability, test, alias, reason=reason, date=date
        ),
    )


@edit.command("remove-test")
@click.argument("capability")
@click.argument("test")
@_reason
@click.pass_context
def remove_test(ctx: click.Context, capability: str, test: str, reason: str) -> None:
    """Remove TEST (a name or its idempotent id) from CAPABILITY."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.remove_test(doc, capability, test, reason=reason, date=date),
    )


@edit.command("flag-test")
@click.argument("capability")
@click.argument("test")
@click.option("--action", default="Remove the flag when the test is fixed.", show_default=True)
@_reason
@click.pass_context
def flag_test(ctx: click.Context, capability: str, test: str, action: str, reason: str) -> None:
    """Flag TEST of CAPABILITY (it stops counting; the reason is kept in the guideline)."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.flag_test(
            doc, capability, test, reason=reason, action=action, date=date
        ),
    )


@edit.command("unflag-test")
@click.argument("capability")
@click.argument("test")
@_reason
@click.pass_context
def unflag_test(ctx: click.Context, capability: str, test: str, reason: str) -> None:
    """Remove the flag of TEST of CAPABILITY."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.unflag_test(doc, capability, test, reason=reason, date=date),
    )


@edit.command("set-releases")
@click.argument("releases", nargs=-1)
@_reason
@click.pass_context
def set_releases(ctx: click.Context, releases: tuple[str, ...], reason: str) -> None:
    """The releases the guideline covers (put in release order); none given: roll the
    current ones forward by one release."""
    from refcore.core import authoring

    _apply(
        ctx,
        lambda doc, date: authoring.set_releases(
            doc, list(releases) or None, reason=reason, date=date
        ),
    )


def _weights(values: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not value.strip().lstrip("-").isdigit():
            raise click.BadParameter(f"{item!r}: write criterion=weight, e.g. deployed=8")
        out[key.strip()] = int(value)
    return out


@edit.command("set-scoring")
@click.argument("weights", nargs=-1, metavar="[CRITERION=WEIGHT]...")
@click.option("--cutoff", type=int, default=None, help="The cut-off score.")
@_reason
@click.pass_context
def set_scoring(
    ctx: click.Context, weights: tuple[str, ...], cutoff: int | None, reason: str
) -> None:
    """Change criteria weights and/or the cut-off; refused unless the weights sum to 100
    (75 for an add-on), as the scoring spec requires."""
    from refcore.core import authoring

    parsed = _weights(weights)
    if not parsed and cutoff is None:
        raise click.UsageError("give CRITERION=WEIGHT pairs and/or --cutoff")
    _apply(
        ctx,
        lambda doc, date: authoring.set_scoring(
            doc, weights=parsed or None, cutoff=cutoff, reason=reason, date=date
        ),
    )


@click.command()
@click.argument("guideline", metavar="ID|FILE")
@click.option(
    "--tempest-list",
    "tempest_list",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="A Tempest test listing (`tempest run --list-tests` output, one test id per line), "
    "e.g. ../shared/samples/tempest/tempest-47.0.0-list.txt.",
)
@guidelines_option
@json_option
def ready(guideline: str, tempest_list: Path, guidelines_source: str | None, as_json: bool) -> None:
    """Is a draft ready? Its tests exist in that Tempest (by name, alias or idempotent id;
    renamed tests are offered as aliases) and its required capabilities reach the cut-off
    (or the draft records why one is required anyway). Exit 0 ready, 1 not, 2 bad input."""
    from refcore.core.readiness import check_readiness
    from refcore.core.testmap import parse_listing
    from refcore.services.scoring import recorded_marks

    g, _ = pick(guideline, guidelines_source)
    listing = parse_listing(tempest_list.read_text(encoding="utf-8", errors="replace"))
    if not len(listing):
        raise InvalidInput(f"{tempest_list}: no test ids in it (not a Tempest listing?)")
    result = check_readiness(g, listing, recorded_marks(g), tempest=tempest_list.name)
    if as_json:
        print_json(result.to_dict())
        sys.exit(0 if result.ready else 1)
    out = console()
    out.print(f"{g.id} against {tempest_list.name} ({len(listing)} tests): {result.tests} tests")
    for cap, test in result.missing:
        out.print(styled(f"missing: {cap}: {test}", "failed"))
    for cap, test in result.missing_flagged:
        out.print(styled(f"missing, flagged (remove it?): {cap}: {test}", "skipped"))
    for cap, test, alias in result.renamed:
        out.print(f"renamed: {cap}: {test} is now {alias} (add it as an alias)")
    for cap, total in result.below_cutoff:
        out.print(
            styled(f"below the cut-off ({total} < {result.cutoff}), no reason: {cap}", "failed")
        )
    for cap, why in result.required_anyway.items():
        out.print(f"required below the cut-off on purpose: {cap}: {why}")
    verdict = styled("ready", "passed") if result.ready else styled("not ready", "failed")
    out.print(verdict)
    sys.exit(0 if result.ready else 1)
