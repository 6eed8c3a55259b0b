"""wordpress-3tier: Heat against the generated Pulumi project, on the same sandbox.

Builds a Heat (HOT) template of the same architecture (router on the external network,
two networks, two security groups, two ports, the MySQL server with its data volume, the
WordPress server behind a floating IP, generated secrets as OS::Heat::RandomString, the
blueprint's own cloud-init with its placeholders filled by str_replace), then alternates,
RUNS times: Heat stack create / delete, `pulumi up` / `pulumi destroy`. Both run as the
member of the sandbox's ordinary project. Prints the medians, both ratios (Pulumi over
Heat: below 1.0 means Pulumi is faster) and the update step's wall time (the acceptance
flow's UPDATE answers, then `pulumi up`).

Run by `make bench-heat` (part of `make bench`, not CI): needs the tools and the sandbox
(OS_CLIENT_CONFIG_FILE); `python benchmarks/heat_vs_pulumi.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from e2e import cloud  # noqa: E402
from e2e.flow import acceptance_module, config_values, make_venv  # noqa: E402
from e2e.pulumi_cli import PulumiStack, StepFailed, tools_env  # noqa: E402
from e2e.rights import declared_stacks  # noqa: E402
from generator.catalog import get_blueprint  # noqa: E402
from generator.project import new_project  # noqa: E402

BLUEPRINT = "wordpress-3tier"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _rule(group: str, port: int, prefix: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "type": "OS::Neutron::SecurityGroupRule",
        "properties": {
            "security_group": {"get_resource": group},
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": port,
            "port_range_max": port,
            "remote_ip_prefix": prefix,
        },
    }


def _user_data(text: str, values: dict[str, Any]) -> dict[str, Any]:
    """The blueprint's cloud-init with each ``${name}`` filled by Heat (str_replace)."""
    params = {f"${{{name}}}": values.get(name, "bench") for name in PLACEHOLDER.findall(text)}
    return {"str_replace": {"template": text, "params": params}}


def heat_template(project: Path, answers: dict[str, Any]) -> dict[str, Any]:
    """A HOT template of the architecture the Pulumi program builds."""
    frontend = answers.get("frontend_cidr", "10.0.1.0/24")
    backend = answers.get("backend_cidr", "10.0.2.0/24")
    secret = {"type": "OS::Heat::RandomString", "properties": {"length": 32}}
    resources: dict[str, Any] = {
        "db_password": secret,
        "wordpress_salt": {"type": "OS::Heat::RandomString", "properties": {"length": 64}},
        "router": {
            "type": "OS::Neutron::Router",
            "properties": {"external_gateway_info": {"network": answers["external_network"]}},
        },
    }
    for tier, cidr in (("frontend", frontend), ("backend", backend)):
        resources[f"{tier}_net"] = {"type": "OS::Neutron::Net"}
        resources[f"{tier}_subnet"] = {
            "type": "OS::Neutron::Subnet",
            "properties": {"network": {"get_resource": f"{tier}_net"}, "cidr": cidr},
        }
        resources[f"{tier}_interface"] = {
            "type": "OS::Neutron::RouterInterface",
            "properties": {
                "router": {"get_resource": "router"},
                "subnet": {"get_resource": f"{tier}_subnet"},
            },
        }
    resources |= {
        "web_group": {"type": "OS::Neutron::SecurityGroup", "properties": {"rules": []}},
        "db_group": {"type": "OS::Neutron::SecurityGroup", "properties": {"rules": []}},
        "web_http": _rule("web_group", 80, "0.0.0.0/0"),
        "web_https": _rule("web_group", 443, "0.0.0.0/0"),
        "db_mysql": _rule("db_group", 3306, frontend),
    }
    for node, tier, group in (
        ("mysql", "backend", "db_group"),
        ("wordpress", "frontend", "web_group"),
    ):
        resources[f"{node}_port"] = {
            "type": "OS::Neutron::Port",
            "properties": {
                "network": {"get_resource": f"{tier}_net"},
                "fixed_ips": [{"subnet": {"get_resource": f"{tier}_subnet"}}],
                "security_groups": [{"get_resource": group}],
            },
        }
    ip_of = {
        node: {"get_attr": [f"{node}_port", "fixed_ips", 0, "ip_address"]}
        for node in ("mysql", "wordpress")
    }
    net = frontend.split("/")[0]
    values = {
        "db_password": {"get_attr": ["db_password", "value"]},
        "auth_salt": {"get_attr": ["wordpress_salt", "value"]},
        "db_host": ip_of["mysql"],
        "web_clients": f"{net}/255.255.255.0",
        "data_device": "/dev/vdb",
    }
    resources["mysql_data"] = {
        "type": "OS::Cinder::Volume",
        "properties": {"size": int(answers["db_volume_size"])},
    }
    for node, flavor in (("mysql", answers["db_flavor"]), ("wordpress", answers["web_flavor"])):
        text = (project / f"cloud-init/{node}.yaml").read_text(encoding="utf-8")
        resources[node] = {
            "type": "OS::Nova::Server",
            "properties": {
                "image": answers["image"],
                "flavor": flavor,
                "networks": [{"port": {"get_resource": f"{node}_port"}}],
                "user_data_format": "RAW",
                "user_data": _user_data(text, {**values, "private_ip": ip_of[node]}),
            },
        }
    resources["mysql_data_attachment"] = {
        "type": "OS::Cinder::VolumeAttachment",
        "properties": {
            "instance_uuid": {"get_resource": "mysql"},
            "volume_id": {"get_resource": "mysql_data"},
        },
    }
    resources["site_ip"] = {
        "type": "OS::Neutron::FloatingIP",
        "properties": {"floating_network": answers["external_network"]},
        "depends_on": ["frontend_interface"],
    }
    resources["site_ip_association"] = {
        "type": "OS::Neutron::FloatingIPAssociation",
        "properties": {
            "floatingip_id": {"get_resource": "site_ip"},
            "port_id": {"get_resource": "wordpress_port"},
        },
    }
    return {"heat_template_version": "2021-04-16", "resources": resources}


def timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def heat_cycle(conn: Any, template: dict[str, Any], run: int) -> tuple[float, float]:
    """(create, delete) seconds of one Heat stack, polled every 0.5 s."""
    api = conn.orchestration
    stack: Any = None

    def create() -> None:
        nonlocal stack
        stack = api.create_stack(name=f"bench-heat-{run}", template=template)
        stack = api.wait_for_status(
            stack, status="CREATE_COMPLETE", failures=["CREATE_FAILED"], interval=0.5, wait=600
        )

    def delete() -> None:
        api.delete_stack(stack)
        api.wait_for_delete(stack, interval=0.5, wait=600)

    created = timed(create)
    return created, timed(delete)


def pulumi_cycle(stack: PulumiStack, work: Path, run: int) -> tuple[float, float]:
    stack.up("up", work / f"up-{run}.jsonl")
    stack.destroy(work / f"destroy-{run}.jsonl")
    return stack.timings["up"], stack.timings["destroy"]


def update_step(stack: PulumiStack, blueprint: Any, acceptance: Any, work: Path) -> str:
    """The acceptance flow's update step on a fresh deployment, then destroy."""
    stack.up("up", work / "update-up.jsonl")
    try:
        stack.config_set(config_values(blueprint, acceptance.UPDATE))
        stack.up("update", work / "update.jsonl")
        return f"{stack.timings['update']:.1f} s"
    except StepFailed as error:
        return "failed: " + str(error).splitlines()[-1]
    finally:
        stack.run("update-destroy", "destroy", "--yes", "--skip-preview", check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    blueprint = get_blueprint(BLUEPRINT)
    acceptance = acceptance_module(blueprint)
    first = declared_stacks(blueprint.path)[0]
    conn = cloud.connect(first.cloud)
    with tempfile.TemporaryDirectory(prefix="osbp-bench-heat-") as tmp:
        work = Path(tmp)
        answers = {**acceptance.ANSWERS, "stack": first.name}
        project = new_project(blueprint.name, work / "project", answers)
        make_venv(project)
        (work / "backend").mkdir()
        stack = PulumiStack(project, first.name, tools_env(project, work / "backend", first.cloud))
        stack.init()
        if any(p.name == "protect_data" for p in blueprint.config_parameters):
            stack.config_set(config_values(blueprint, {"protect_data": False}))
        template = heat_template(project, acceptance.ANSWERS)
        samples: dict[str, list[float]] = {"create": [], "delete": [], "up": [], "destroy": []}
        try:
            for run in range(args.runs):
                create, delete = heat_cycle(conn, template, run)
                up, destroy = pulumi_cycle(stack, work, run)
                print(
                    f"run {run + 1}: heat create {create:.1f} s, delete {delete:.1f} s; "
                    f"pulumi up {up:.1f} s, destroy {destroy:.1f} s",
                    flush=True,
                )
                for key, value in zip(samples, (create, delete, up, destroy), strict=True):
                    samples[key].append(value)
            update = update_step(stack, blueprint, acceptance, work)
        finally:
            stack.run("final-destroy", "destroy", "--yes", "--skip-preview", check=False)
        median = {key: statistics.median(values) for key, values in samples.items()}
        print(f"{'step':<16} {'Heat s':>7} {'Pulumi s':>9} {'ratio':>6}")
        for label, heat, pulumi in (
            ("up / create", "create", "up"),
            ("destroy / delete", "delete", "destroy"),
        ):
            print(
                f"{label:<16} {median[heat]:7.1f} {median[pulumi]:9.1f} "
                f"{median[pulumi] / median[heat]:6.2f}"
            )
        print(f"update step (pulumi up after the acceptance UPDATE answers): {update}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
