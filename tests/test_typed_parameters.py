"""Lists, objects, enums and secrets, end to end, on a test blueprint.

``tests/fixtures/blueprints/lists-demo`` declares every parameter type and
cross-field rule; it is built into templates in a temporary catalog, generated
with ``osbp new`` and with plain cookiecutter, linted, and run offline, so the
same rules are seen refusing the same mistakes in all three places.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import VENV_BIN
from generator import catalog, project, templates
from generator.cli import main
from generator.paths import blueprints_dir

FIXTURE = Path(__file__).parent / "fixtures" / "blueprints" / "lists-demo"
SUBNET = "openstack:networking/subnet:Subnet"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def demo_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A catalog of the shared layer and the test blueprint, with its templates built."""
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(blueprints_dir() / "_shared", root / "blueprints" / "_shared")
    shutil.copytree(FIXTURE, root / "blueprints" / "lists-demo")
    patch = pytest.MonkeyPatch()
    for module in (catalog, templates):
        patch.setattr(module, "blueprints_dir", lambda: root / "blueprints")
    patch.setattr(project, "templates_dir", lambda: root / "templates")
    templates.build_templates(root=root / "templates")
    yield root
    patch.undo()


def osbp(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def new(output: Path, *sets: str) -> Path:
    args = [item for assignment in sets for item in ("--set", assignment)]
    code, out, err = osbp("new", "lists-demo", "-o", str(output), "--no-input", *args)
    assert code == 0, out + err
    return output / "lists-demo"


def stack_config(project_dir: Path, stack: str = "dev") -> dict[str, Any]:
    doc = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text())
    return {key.split(":", 1)[1]: value for key, value in doc["config"].items()}


def run(project_dir: Path, **config: str) -> Any:
    """The program offline (as `pulumi up`), the admin password given as a mock value."""
    sys.path.insert(0, str(project_dir))
    try:
        from components.offline import run_offline

        return run_offline(project_dir, config={"adminPassword": PASSWORD, **config})
    finally:
        sys.path.remove(str(project_dir))
        for name in [m for m in sys.modules if m == "components" or m.startswith("components.")]:
            del sys.modules[name]


def test_pulumi_yaml_declares_pulumi_config_types(demo_catalog: Path, tmp_path: Path) -> None:
    config = yaml.safe_load((new(tmp_path) / "Pulumi.yaml").read_text())["config"]
    assert config["tenants"]["type"] == "array"
    assert config["tenants"]["items"] == {"type": "object"}
    assert config["tenants"]["default"] == [{"name": "demo", "cidr": "10.10.0.0/24"}]
    assert config["dnsServers"]["items"] == {"type": "string"}
    assert config["quota"] == {
        "type": "object",
        "description": "Quota applied to every tenant",
        "default": {"cores": 8, "ram_gb": 16},
    }
    assert config["adminPassword"] == {
        "type": "string",
        "description": "Password of the administrator account",
        "secret": True,
    }
    assert "apiToken" not in config, "an optional secret has no default to declare"
    readme = (tmp_path / "lists-demo" / "README.md").read_text()
    assert "pulumi config set --secret adminPassword   # required\n" in readme
    assert "| `admin_password` | The administrator password (secret: `pulumi stack output" in readme
    assert "pulumi config set --secret apiToken   # optional: generated when unset\n" in readme
    assert "| `tenants` | array | `[{\"name\": \"demo\", \"cidr\": \"10.10.0.0/24\"}]` |" in readme


def test_set_takes_yaml_lists_and_dotted_paths(demo_catalog: Path, tmp_path: Path) -> None:
    generated = new(
        tmp_path,
        "tenants=[{name: acme, plan: large, cidr: 10.1.0.0/24}]",
        "tenants.acme.vms=3",
        "tenants.beta.cidr=10.2.0.0/24",
        "quota.cores=16",
        'dns_servers=["192.0.2.1", "192.0.2.2"]',
    )
    config = stack_config(generated)
    assert config["tenants"] == [
        {"cidr": "10.1.0.0/24", "name": "acme", "plan": "large", "vms": 3},
        {"cidr": "10.2.0.0/24", "name": "beta", "plan": "small", "vms": 1},
    ]
    assert config["quota"] == {"cores": 16, "ram_gb": 16}
    assert config["dnsServers"] == ["192.0.2.1", "192.0.2.2"]
    assert "adminPassword" not in config, "a secret is never written in clear"
    assert "pulumi config set --secret adminPassword" in (generated / "Pulumi.dev.yaml").read_text()
    answers = yaml.safe_load((generated / ".osbp-answers.yml").read_text())["answers"]
    assert answers["tenants"] == config["tenants"]
    assert "admin_password" not in answers and "api_token" not in answers
    # The answers file regenerates the same stack.
    code, out, err = osbp(
        "new", "lists-demo", "-o", str(tmp_path / "again"), "--no-input",
        "--answers", str(generated / ".osbp-answers.yml"),
    )  # fmt: skip
    assert code == 0, out + err
    assert stack_config(tmp_path / "again" / "lists-demo") == config


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ["tenants=[{name: a, cidr: 10.1.0.0/24}, {name: a, cidr: 10.2.0.0/24}]"],
            "error: tenants[1].name: 'a' is already used by tenants[0].name",
        ),
        (
            ["tenants.demo.cidr=10.0.0.128/25"],
            "error: tenants[0].cidr: 10.0.0.128/25 overlaps router_cidr (10.0.0.0/24)",
        ),
        (["tenants.demo.plan=huge"], "error: tenants[0].plan: 'huge' is not one of small, large"),
        (
            ["tenants=[{name: a, cidr: 10.1.0.0/24, colour: red}]"],
            "error: tenants[0]: unknown field 'colour'",
        ),
        (["tenants=[]"], "error: tenants: at least 1 item(s) needed, got 0"),
        (["tenants=[{name: a"], "error: --set tenants: not a YAML or JSON value"),
        (["tenants.demo=x"], "error: --set tenants.demo: an item's field is tenants.ITEM.FIELD"),
        (["size=xl"], "error: size: 'xl' is not one of s, m, l"),
        (["min_nodes=3"], "error: desired_nodes: 2 is less than min_nodes (3)"),
        (["max_nodes=1"], "error: max_nodes: 1 is less than desired_nodes (2)"),
        (["admin_password=hunter2hunter2"], "error: admin_password: a secret is never an answer"),
        (["router_cidr.x=1"], "error: --set router_cidr.x: router_cidr is not a list or object"),
    ],
)
def test_new_refuses_bad_structured_answers(
    demo_catalog: Path, tmp_path: Path, sets: list[str], message: str
) -> None:
    args = [item for assignment in sets for item in ("--set", assignment)]
    code, out, err = osbp("new", "lists-demo", "-o", str(tmp_path), "--no-input", *args)
    assert code == 2, out + err
    assert err.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in err + out
    assert list(tmp_path.iterdir()) == []


def test_plain_cookiecutter_takes_json_and_runs_the_same_rules(
    demo_catalog: Path, tmp_path: Path
) -> None:
    template = demo_catalog / "templates" / "lists-demo"
    context = json.loads((template / "cookiecutter.json").read_text())
    assert context["tenants"] == '[{"name": "demo", "cidr": "10.10.0.0/24"}]', "a list is JSON text"
    assert context["quota"] == {"cores": 8, "ram_gb": 16}, "an object is a dict variable"
    assert "admin_password" not in context, "a secret is never prompted for"

    def cookiecutter(output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        command = [str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(output), str(template)]
        return subprocess.run([*command, *extra], capture_output=True, text=True)

    good = cookiecutter(
        tmp_path / "good", 'tenants=[{"name": "acme", "cidr": "10.1.0.0/24", "vms": 2}]'
    )
    assert good.returncode == 0, good.stderr
    assert stack_config(tmp_path / "good" / "lists-demo")["tenants"] == [
        {"name": "acme", "cidr": "10.1.0.0/24", "vms": 2}
    ]
    overlapping = '[{"name": "a", "cidr": "10.0.0.0/25"}]'
    bad = cookiecutter(tmp_path / "bad", f"tenants={overlapping}")
    assert bad.returncode != 0
    assert "error: tenants[0].cidr: 10.0.0.0/25 overlaps router_cidr (10.0.0.0/24)" in bad.stderr
    assert not (tmp_path / "bad").exists() or list((tmp_path / "bad").iterdir()) == []


def test_generated_settings_are_typed_and_lint_clean(demo_catalog: Path, tmp_path: Path) -> None:
    generated = new(tmp_path)
    settings = (generated / "settings.py").read_text()
    assert "class Tenant:" in settings and "class Quota:" in settings
    assert "    tenants: list[Tenant]\n" in settings
    assert "    admin_password: pulumi.Output[str]\n" in settings
    assert "    api_token: pulumi.Output[str] | None\n" in settings
    assert (generated / "components" / "validation.py").read_bytes() == Path(
        project.__file__
    ).with_name("validation.py").read_bytes(), "the project's rules are osbp's, verbatim"
    for command in (
        ["ruff", "check", "--no-cache", "."],
        ["mypy", "--cache-dir", str(tmp_path / "c"), "."],
    ):
        result = subprocess.run(
            [sys.executable, "-m", *command], cwd=generated, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_program_gets_typed_settings(demo_catalog: Path, tmp_path: Path) -> None:
    generated = new(tmp_path, "tenants.beta.cidr=10.2.0.0/24", "tenants.beta.vms=4")
    deployed = run(generated)
    subnets = {r.name: r.inputs for r in deployed.of_type(SUBNET)}
    assert {name: inputs["cidr"] for name, inputs in subnets.items()} == {
        "beta": "10.2.0.0/24",
        "demo": "10.10.0.0/24",
    }
    assert subnets["beta"]["description"] == "small plan, 4 VMs, 8 cores"
    assert subnets["demo"]["dnsNameservers"] == ["192.0.2.53"]
    assert type(deployed.outputs["admin_password"]).__name__ == "Secret"
    assert deployed.of_type("random:index/randomPassword:RandomPassword"), "token generated"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"tenants": json.dumps([{"name": "a", "cidr": "10.0.0.0/25"}])},
            "tenants[0].cidr: 10.0.0.0/25 overlaps routerCidr (10.0.0.0/24)",
        ),
        (
            {"tenants": json.dumps([{"name": "a", "cidr": "10.1.0.0/24", "vms": 11}])},
            "tenants[0].vms: 11 is out of range (0 to 10)",
        ),
        ({"maxNodes": "1"}, "maxNodes: 1 is less than desiredNodes (2)"),
        ({"size": "xl"}, "size: 'xl' is not one of s, m, l"),
        ({"quota": "{not json"}, "quota: not valid JSON"),
        ({"adminPassword": "short"}, "adminPassword: has fewer than 12 characters"),
        (
            {"adminPassword": ""},
            "adminPassword: not set; run `pulumi config set --secret adminPassword`",
        ),
    ],
)
def test_wrong_stack_config_stops_the_program_with_one_line(
    demo_catalog: Path,
    tmp_path_factory: pytest.TempPathFactory,
    config: dict[str, str],
    message: str,
) -> None:
    generated = new(tmp_path_factory.mktemp("run"))
    with pytest.raises(Exception) as error:
        run(generated, **config)
    # The program raises pulumi.RunError; the offline runner reports it as its OfflineError.
    assert type(error.value).__name__ == "OfflineError"
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_prompts_take_yaml_lists_and_json_objects(demo_catalog: Path, tmp_path: Path) -> None:
    answers = "\n\n\n\n[{name: x, cidr: 10.5.0.0/24}]\n\nl\n\n\n\n" + '{"cores": 2}\n'
    result = CliRunner().invoke(
        main, ["new", "lists-demo", "-o", str(tmp_path)], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "Tenants, each with its own network (JSON list)" in result.stdout
    assert "Flavor size of the servers (s, m, l)" in result.stdout
    config = stack_config(tmp_path / "lists-demo")
    assert config["tenants"] == [{"name": "x", "cidr": "10.5.0.0/24", "plan": "small", "vms": 1}]
    assert (config["size"], config["quota"]) == ("l", {"cores": 2, "ram_gb": 16})


def test_show_lists_fields_and_secrets(demo_catalog: Path) -> None:
    code, out, _ = osbp("show", "lists-demo")
    assert code == 0
    assert '  tenants (list) [default: [{"name": "demo", "cidr": "10.10.0.0/24"}]]\n' in out
    assert "      .plan (enum) [default: small]\n" in out
    assert "Secrets (never answers; after generating: pulumi config set --secret KEY):" in out
    assert "  adminPassword (required)\n" in out
    assert "  apiToken (optional, generated when unset)\n" in out
    assert "admin_password (" not in out
