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
    """List the blueprints of the catalog."""
    from generator.catalog import list_blueprints

    blueprints = list_blueprints()
    width = max(len(b.name) for b in blueprints)
    for blueprint in blueprints:
        click.echo(f"{blueprint.name:<{width}}  {blueprint.title}")


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
        default = "" if parameter.default == "" else f" [default: {parameter.default}]"
        click.echo(f"  {parameter.name} ({parameter.type}){default}")
        if parameter.help:
            click.echo(f"      {parameter.help}")
    click.echo("\nDiagram (Mermaid):")
    click.echo(blueprint.diagram)


@main.command()
@click.argument("name")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
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
    help="Answer a parameter (repeatable).",
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
    from generator.project import new_project, read_answers_file

    answers: dict[str, Any] = read_answers_file(answers_file) if answers_file else {}
    answers.update(parse_assignments(assignments))
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
