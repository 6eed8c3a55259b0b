"""The ``osbp`` command: a thin click layer over the library.

Heavy modules (pulumi, cookiecutter) are imported inside the commands so that
``osbp --help`` stays fast. Mistakes in the input end as one ``error:`` line and
exit status 2, never as a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator import __version__

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn the library's user errors into ``error: ...`` and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from generator.errors import USER_ERRORS

        try:
            return command(*args, **kwargs)
        except USER_ERRORS as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def parse_assignments(values: tuple[str, ...]) -> dict[str, str]:
    answers = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not key=value", param_hint="--set")
        answers[key.strip()] = value
    return answers


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="osbp")
def main() -> None:
    """OpenStack reference architectures as standalone Pulumi Python projects."""


@main.command("list")
@user_errors
def list_command() -> None:
    """List the blueprints of the catalog (a broken spec is reported, not fatal)."""
    from generator.catalog import catalog_problems, list_blueprints

    blueprints = list_blueprints()
    width = max((len(b.name) for b in blueprints), default=0)
    for blueprint in blueprints:
        click.echo(f"{blueprint.name:<{width}}  {blueprint.title}")
    for problem in catalog_problems():
        click.echo(f"error: {problem}", err=True)


@main.command()
@click.argument("name")
@user_errors
def show(name: str) -> None:
    """Show a blueprint: summary, services, parameters and diagram."""
    from generator.catalog import get_blueprint

    blueprint = get_blueprint(name)
    click.echo(f"{blueprint.name} {blueprint.version}: {blueprint.title}\n")
    click.echo(click.wrap_text(blueprint.summary) + "\n")
    click.echo(f"Guide section: {blueprint.seed_section}")
    click.echo(f"OpenStack services: {', '.join(blueprint.services)}")
    click.echo(f"Node roles: {', '.join(blueprint.node_roles) or '-'}\n")
    click.echo("Parameters (osbp new --set NAME=VALUE):")
    for parameter in blueprint.parameters:
        if parameter.secret:
            continue
        default = "" if parameter.default in ("", [], {}) else f" [default: {_shown(parameter)}]"
        if "derived_from" in parameter.spec:
            default = f" [default: derived from {parameter.spec['derived_from']}]"
        click.echo(f"  {parameter.name} ({parameter.type}){default}")
        if parameter.help:
            click.echo(f"      {parameter.help}")
        spec = parameter.spec
        for field in spec.get("fields") or spec.get("items", {}).get("fields") or []:
            field_default = f" [default: {field['default']}]" if "default" in field else ""
            click.echo(f"      .{field['name']} ({field['type']}){field_default}")
    if blueprint.secrets:
        click.echo("\nSecrets (never answers; after generating: pulumi config set --secret KEY):")
        for parameter in blueprint.secrets:
            need = "optional, generated when unset" if parameter.optional else "required"
            click.echo(f"  {parameter.config_key} ({need})")
            click.echo(f"      {parameter.help}")
    click.echo("\nDiagram (Mermaid):")
    click.echo(blueprint.diagram)


def _shown(parameter: Any) -> str:
    import json

    if parameter.structured:
        return json.dumps(parameter.default, ensure_ascii=False)
    return str(parameter.default)


@main.command()
@click.argument("name")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the project folder.",
)
@click.option("--no-input", is_flag=True, help="Do not prompt; use defaults for missing answers.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer a parameter (repeatable). Lists and objects take YAML/JSON "
    "(tenants='[{name: acme}]'); tenants.acme.vms=2 sets one field of one item.",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read answers from a file, e.g. a project's .osbp-answers.yml.",
)
@click.option("--stack", help="Name of the first Pulumi stack.")
@user_errors
def new(
    name: str,
    output_dir: Path,
    no_input: bool,
    assignments: tuple[str, ...],
    answers_file: Path | None,
    stack: str | None,
) -> None:
    """Generate a Pulumi project from blueprint NAME."""
    from generator.project import new_project, read_answers_file, with_assignments

    answers: dict[str, Any] = read_answers_file(answers_file) if answers_file else {}
    answers = with_assignments(name, answers, parse_assignments(assignments))
    if stack:
        answers["stack"] = stack
    click.echo(f"Generating {name}...", err=True)
    target = new_project(name, output_dir, answers, no_input=no_input)
    click.echo(f"Created {target}")
    click.echo(f"Next: cd {target} && make test && osbp preview .", err=True)


@main.command()
@click.argument("project_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--stack",
    help="Stack whose config to use (default: PULUMI_STACK, the answers file's, the only one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print resources and outputs as JSON.")
@click.option("--mermaid", is_flag=True, help="Print the resource graph as a Mermaid diagram.")
@user_errors
def preview(project_dir: Path, stack: str | None, as_json: bool, mermaid: bool) -> None:
    """Preview a generated project offline (no cloud, no Pulumi CLI)."""
    from generator.preview import capture_program, render_json, render_mermaid, render_tree

    if as_json and mermaid:
        raise click.UsageError("choose one of --json and --mermaid")
    capture = capture_program(project_dir, stack, preview=True)
    render = render_json if as_json else render_mermaid if mermaid else render_tree
    click.echo(render(capture))


@main.command()
@click.argument("project_dir", type=click.Path(path_type=Path))
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer (repeatable).",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Change answers from a file (over the project's own answers).",
)
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option(
    "--show-conflicts", is_flag=True, help="On a conflict, print the overlapping lines."
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Start tracking a project baked without osbp: keep its files, record a merge base.",
)
@user_errors
def update(
    project_dir: Path,
    assignments: tuple[str, ...],
    answers_file: Path | None,
    dry_run: bool,
    show_conflicts: bool,
    adopt: bool,
) -> None:
    """Regenerate PROJECT_DIR with this osbp and merge the changes into your edits."""
    from generator.project import read_answers_file
    from generator.update import UpdateConflictError, update_project

    answers: dict[str, Any] = read_answers_file(answers_file) if answers_file else {}
    answers.update(parse_assignments(assignments))
    try:
        report = update_project(project_dir, answers, dry_run=dry_run, adopt=adopt)
    except UpdateConflictError as conflict:
        if show_conflicts:
            click.echo(conflict.marked(), nl=False)
        raise
    for line in report.lines():
        click.echo(f"  {line}")
    click.echo(report.summary())


@main.group()
def templates() -> None:
    """Maintain the committed cookiecutter templates."""


@templates.command("build")
@click.option("--check", is_flag=True, help="Only report whether the templates are stale.")
@user_errors
def templates_build(check: bool) -> None:
    """Assemble cookiecutter-templates/ from blueprints/."""
    from generator.templates import build_templates

    report = build_templates(check=check)
    if check and report.changed:
        click.echo("templates are stale; run `osbp templates build`:", err=True)
        for path in report.changed:
            click.echo(f"  {path}", err=True)
        sys.exit(1)
    verb = "up to date" if not report.changed else f"{len(report.changed)} files updated"
    click.echo(f"templates {verb}")
