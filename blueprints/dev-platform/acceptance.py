"""dev-platform on a real cloud: the team stack as the operator, a branch stack as a developer.

Run by ``python -m e2e`` (see ``e2e/flow.py``). The team stack (Keystone's system
administrator) creates the developers' users; ``after_up`` then runs the generated GitLab CI
pipelines for three branches with gitlab-ci-local (``ci_pipeline.py``); the branch stack
``alice-first-env`` then runs as alice herself, with an application credential she creates
with her generated password (``stack_env``), and with a passphrase of her own, not the
team's: its StackReference reads the team stack's plain outputs without the team's
passphrase. Every check reads the cloud through openstacksdk.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml


def _sibling(name: str) -> ModuleType:
    """A module next to this one (the flow loads this file by path, not as a package)."""
    spec = importlib.util.spec_from_file_location(
        f"dev_platform_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _public_key(comment: str) -> str:
    """A fresh, well-formed ed25519 OpenSSH public key (nobody logs in to fake servers)."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = field(b"ssh-ed25519") + field(os.urandom(32))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


TEAM, BRANCH = "team", "alice-first-env"
QUOTAS = {"instances": 2, "cores": 4, "ram_mb": 2048, "volumes": 4, "gigabytes": 20,
          "networks": 2, "ports": 10, "floating_ips": 2}  # fmt: skip
ANSWERS = {
    "developers": [
        {"name": "alice", "email": "alice@example.com", "ssh_public_key": _public_key("alice")},
        {"name": "bob", "email": "bob@example.com", "ssh_public_key": _public_key("bob")},
    ],
    "quotas": QUOTAS,
    "network_type": "vlan",
    "physical_network": "physnet1",
    "vlan_ids": [150, 151],
    "admin_cidr": "192.0.2.0/24",
    "external_network": "public",
    "image": "ubuntu-22.04",
    "image_user": "ubuntu",
    "env_flavor": "m1.tiny",
    "env_volume_size": 1,
    "persistent_volume_size": 1,
    "protect_data": False,
}
"""The team stack's answers, scaled to the sandbox (its VLAN range is physnet1 100-199)."""

UPDATE = {"quotas": {**QUOTAS, "ports": 12, "gigabytes": 24}}
"""The update step: the developers' quotas change in place (no project is replaced)."""

TEARDOWN_LAST_FIRST = True
"""The branch stack's server sits on the team stack's network: it goes first."""

PROJECT = "openstack:identity/project:Project"
USER = "openstack:identity/user:User"
NETWORK = "openstack:networking/network:Network"
SECGROUP = "openstack:networking/secGroup:SecGroup"
VOLUME = "openstack:blockstorage/volume:Volume"
INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
KEYPAIR = "openstack:compute/keypair:Keypair"
SANDBOX_CLOUDS = Path("/var/tmp/osbp-sandbox/clouds.yaml")
TEAM_STATE: dict[str, Any] = {}
"""What the team stack gave (ids, passwords, Keystone's address), for the branch's checks."""


# -- the branch stack runs as the developer ---------------------------------------------------


def _remember_team(team: Any, deployed: Any) -> dict[str, Any]:
    """The team stack's ids and generated passwords (the operator reads them), and the
    sandbox's clouds.yaml."""
    passwords = json.loads(
        team.run(
            "passwords", "stack", "output", "developer_passwords", "--show-secrets", "--json"
        ).stdout
    )
    clouds_file = Path(os.environ.get("OS_CLIENT_CONFIG_FILE", SANDBOX_CLOUDS))
    clouds: dict[str, Any] = yaml.safe_load(clouds_file.read_text())
    operator = clouds["clouds"]["osbp-sandbox"]
    TEAM_STATE.update(
        developers=deployed.outputs["developers"],
        passwords=passwords,
        auth_url=operator["auth"]["auth_url"],
        region=operator.get("region_name", "RegionOne"),
    )
    return clouds


def after_up(conn: Any, stack: Any, deployed: Any) -> list[str]:
    """The generated .gitlab-ci.yml's jobs for three branches of two developers, for real."""
    ci = _sibling("ci_pipeline")
    clouds = _remember_team(stack, deployed)
    work = stack.project_dir.parent / "gitlab"
    work.mkdir(exist_ok=True)
    credentials = {}
    for name in ("alice", "bob"):
        developer = developer_connection(name)
        credentials[name] = developer.identity.create_application_credential(
            user=developer.current_user_id, name="gitlab-ci"
        )
    clouds_file = work / "ci-clouds.yaml"
    ci.ci_clouds(clouds, credentials, clouds_file)
    repo = work / "repo"
    ci.make_repository(stack.project_dir, repo)
    backend = stack.env["PULUMI_BACKEND_URL"]
    pipelines = ci.Pipelines(
        repo,
        {
            name: {
                "PULUMI_BACKEND_URL": backend,
                "PULUMI_CONFIG_PASSPHRASE": f"{name}-own-ci-passphrase",
                "OS_CLIENT_CONFIG_FILE": str(clouds_file),
                "OS_CLOUD": f"ci-{name}",
            }
            for name in credentials
        },
    )
    checks: list[str] = ci.run_branch_pipelines(
        pipelines,
        developer_connection,
        lambda: ci.stack_names(
            subprocess.run(
                ["pulumi", "stack", "ls", "--all", "--json"],
                cwd=stack.project_dir,
                env=stack.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        ),
    )
    PIPELINE_TIMINGS.update(pipelines.timings)
    return checks


PIPELINE_TIMINGS: dict[str, float] = {}
"""Wall time of each CI job and from each push to its VM ACTIVE, in seconds."""


def stack_env(run: Any, declared: Any) -> dict[str, str]:
    """The team stack as the operator; a branch stack as its developer, with an application
    credential she made herself (Keystone lets only its owner create one) and her own
    passphrase."""
    if declared.name == TEAM:
        return {}
    clouds = _remember_team(run.opened[TEAM], run.deployed[TEAM])
    alice = developer_connection("alice")
    credential = alice.identity.create_application_credential(
        user=alice.current_user_id, name=f"ci-{declared.name}"
    )
    clouds["clouds"]["dev-platform-alice"] = _sibling("ci_pipeline").application_credential_cloud(
        clouds["clouds"]["osbp-sandbox"], credential
    )
    merged = run.work / "clouds-with-developers.yaml"
    merged.write_text(yaml.safe_dump(clouds))
    merged.chmod(0o600)
    # openstacksdk (the checks) and the provider both read it; it keeps every sandbox entry.
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(merged)
    return {
        "OS_CLOUD": "dev-platform-alice",
        "OS_CLIENT_CONFIG_FILE": str(merged),
        "PULUMI_CONFIG_PASSPHRASE": "alice-own-branch-passphrase",
    }


def developer_connection(name: str) -> Any:
    """A developer's own session: their user and generated password, in their project."""
    from e2e.cloud import connect_with

    ids = TEAM_STATE["developers"][name]
    session = connect_with(
        {
            "auth_url": TEAM_STATE["auth_url"],
            "username": ids["user_name"],
            "password": TEAM_STATE["passwords"][name],
            "user_domain_name": "Default",
            "project_id": ids["project_id"],
        },
        TEAM_STATE["region"],
    )
    me = session.identity.get_user(session.current_user_id)
    assert me.name == ids["user_name"], f"{name}'s session is {me.name}'s"
    return session


# -- checks -----------------------------------------------------------------------------------


def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    if "developer" in deployed.outputs:
        return verify_branch(conn, deployed, answers)
    return verify_team(conn, deployed, answers)


def _quotas(answers: dict[str, Any]) -> dict[str, int]:
    value = answers["quotas"]
    quotas: dict[str, int] = json.loads(value) if isinstance(value, str) else dict(value)
    return quotas


def verify_team(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    from e2e.cloud import expect, ingress_rules

    checks = []
    team_id = deployed.outputs["team_project_id"]
    expect(deployed.id_of(PROJECT, "team"), team_id, "team project id")
    developers = deployed.outputs["developers"]
    roles = {role.id: role.name for role in conn.identity.roles()}
    quotas = _quotas(answers)
    for index, developer in enumerate(answers["developers"]):
        name = developer["name"]
        ids = developers[name]
        project = conn.identity.get_project(ids["project_id"])
        expect(project.parent_id, team_id, f"parent of {name}'s project")
        user = conn.identity.find_user(ids["user_name"])
        assert user is not None, f"no Keystone user {ids['user_name']}"
        expect(user.default_project_id, ids["project_id"], f"default project of {name}")
        granted = sorted(
            (roles[a.role["id"]], a.scope["project"]["id"])
            for a in conn.identity.role_assignments(user_id=user.id)
        )
        expect(granted, sorted([("member", ids["project_id"]), ("reader", team_id)]), name)

        compute = conn.compute.get_quota_set(ids["project_id"])
        expect(
            (compute.instances, compute.cores, compute.ram),
            (quotas["instances"], quotas["cores"], quotas["ram_mb"]),
            f"compute quotas of {name}",
        )
        network = conn.network.get_quota(ids["project_id"])
        expect(
            (network.networks, network.ports, network.floating_ips),
            (quotas["networks"], quotas["ports"], quotas["floating_ips"]),
            f"network quotas of {name}",
        )
        volume = conn.block_storage.get_quota_set(ids["project_id"])
        expect(
            (volume.volumes, volume.gigabytes),
            (quotas["volumes"], quotas["gigabytes"]),
            f"volume quotas of {name}",
        )

        net = conn.network.get_network(ids["network_id"])
        expect(net.project_id, ids["project_id"], f"project of {name}'s network")
        expect(net.provider_network_type, answers["network_type"], f"type of {name}'s network")
        if answers["network_type"] == "vlan":
            expect(net.provider_physical_network, answers["physical_network"], "physnet")
            expect(net.provider_segmentation_id, answers["vlan_ids"][index], f"{name}'s VLAN")
        # Zed's Neutron shows a security group to its project's members only.
        inside = conn.in_project(ids["project_id"])
        group = inside.network.get_security_group(ids["security_group_id"])
        expect(group.project_id, ids["project_id"], f"project of {name}'s security group")
        expect(
            ingress_rules(inside, group.id),
            [("tcp", 22, 22, answers["admin_cidr"])],
            f"ingress of {name}'s security group",
        )
        persistent = conn.block_storage.get_volume(ids["persistent_volume_id"])
        expect(persistent.size, answers["persistent_volume_size"], f"{name}'s persistent volume")
        expect(
            getattr(persistent, "project_id", None) or persistent.location.project.id,
            ids["project_id"],
            f"project of {name}'s persistent volume",
        )
    checks.append(
        "each developer project under the team's, its user member there and reader of the team"
    )
    checks.append(
        "quotas read back from Nova, Neutron and Cinder: "
        + ", ".join(f"{key}={value}" for key, value in quotas.items())
    )
    checks.append(
        f"{answers['network_type']} networks "
        + (
            f"(VLANs {answers['vlan_ids']} on {answers['physical_network']}) "
            if answers["network_type"] == "vlan"
            else ""
        )
        + f"and SSH from {answers['admin_cidr']} only, in each developer's project"
    )
    return checks


def verify_update(conn: Any, before: Any, after: Any) -> list[str]:
    from e2e.cloud import expect

    expect(after.outputs["developers"], before.outputs["developers"], "ids after the update")
    quotas = UPDATE["quotas"]
    for name, ids in after.outputs["developers"].items():
        network = conn.network.get_quota(ids["project_id"])
        volume = conn.block_storage.get_quota_set(ids["project_id"])
        expect((network.ports, volume.gigabytes), (quotas["ports"], quotas["gigabytes"]), name)
    return ["quotas changed in place: the same projects, networks and volumes"]


def verify_branch(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    """As alice (``conn`` is her application credential)."""
    from e2e.cloud import expect

    checks = []
    server_id = deployed.id_of(INSTANCE, "env")
    server = conn.compute.get_server(server_id)
    expect(server.status, "ACTIVE", "status of the environment VM")
    expect(server.project_id, conn.current_project_id, "project of the environment VM")
    port = conn.network.get_port(deployed.id_of(PORT, "env"))
    ids = TEAM_STATE["developers"]
    expect(conn.current_project_id, ids["alice"]["project_id"], "project of alice's credential")
    expect(port.network_id, ids["alice"]["network_id"], "network of the environment")
    expect(port.security_group_ids, [ids["alice"]["security_group_id"]], "its security groups")
    key_name = deployed.resource(KEYPAIR, "env")["outputs"]["name"]
    expect(server.key_name, key_name, "key pair of the environment")
    alice = next(d for d in answers["developers"] if d["name"] == "alice")
    stored = conn.compute.get_keypair(key_name).public_key.split()[:2]
    expect(stored, alice["ssh_public_key"].split()[:2], "alice's key")
    volume = conn.block_storage.get_volume(deployed.outputs["volume_id"])
    expect(volume.status, "in-use", "status of the branch volume")
    expect({a["server_id"] for a in volume.attachments}, {server_id}, "its attachment")
    floating = list(conn.network.ips(floating_ip_address=deployed.outputs["public_ip"]))
    expect([ip.port_id for ip in floating], [port.id], "port of the floating IP")
    checks.append(
        "as alice: the VM ACTIVE in her project, on her network and security group, with her "
        "key, its own volume in-use and a floating IP"
    )
    checks.append(_quota_refuses_one_more(conn, deployed))
    checks.append(_isolated_from_bob(conn, ids))
    checks.append(
        "the branch stack read its developer's ids from the team stack (StackReference)"
        " with alice's own passphrase, not the team's"
    )
    return checks


def _quota_refuses_one_more(conn: Any, deployed: Any) -> str:
    """Alice fills her instance quota beside the environment VM: Nova refuses one more."""
    import openstack

    server = conn.compute.get_server(deployed.id_of(INSTANCE, "env"))
    spec = {
        "image_id": server.image["id"],
        # Nova's newer microversions name the server's flavor instead of giving its id.
        "flavor_id": conn.compute.find_flavor(
            server.flavor.get("original_name") or server.flavor["id"], ignore_missing=False
        ).id,
        "networks": [{"uuid": conn.network.get_port(deployed.id_of(PORT, "env")).network_id}],
    }
    fillers = [
        conn.compute.create_server(name=f"osbp-e2e-filler-{n}", **spec)
        for n in range(QUOTAS["instances"] - 1)
    ]
    try:
        extra = conn.compute.create_server(name="osbp-e2e-over-quota", **spec)
    except openstack.exceptions.HttpException as error:
        message = " ".join(str(error.details or error).split())
        assert "Quota exceeded for instances" in message, message
        return (
            f"VM {QUOTAS['instances'] + 1} of alice's quota of {QUOTAS['instances']} refused by"
            f" Nova: {message[:160]}"
        )
    else:
        conn.compute.delete_server(extra)
        raise AssertionError("Nova accepted a server beyond alice's instance quota")
    finally:
        for filler in fillers:
            conn.compute.delete_server(filler)
            conn.compute.wait_for_delete(filler, wait=120)


def _isolated_from_bob(conn: Any, ids: dict[str, dict[str, str]]) -> str:
    """Alice sees, and may delete, none of bob's servers, networks or volumes (bob's server
    is made by bob himself, in his project, for the check)."""
    import openstack

    bob, as_bob = ids["bob"], developer_connection("bob")
    port = as_bob.network.create_port(
        network_id=bob["network_id"], security_group_ids=[bob["security_group_id"]]
    )
    server = as_bob.compute.create_server(
        name="osbp-e2e-bob-server",
        image_id=as_bob.image.find_image("ubuntu-22.04").id,
        flavor_id=as_bob.compute.find_flavor("m1.tiny").id,
        networks=[{"port": port.id}],
    )
    try:
        as_bob.compute.wait_for_server(server, wait=120)
        seen = (
            {s.id for s in conn.compute.servers()}
            | {n.id for n in conn.network.networks()}
            | {v.id for v in conn.block_storage.volumes()}
        )
        visible = seen & {server.id, bob["network_id"], bob["persistent_volume_id"]}
        assert not visible, f"alice lists bob's {visible}"
        refused = []
        network, volume = bob["network_id"], bob["persistent_volume_id"]
        attempts = (
            ("server", lambda: conn.compute.delete_server(server.id, ignore_missing=False)),
            ("network", lambda: conn.network.delete_network(network, ignore_missing=False)),
            ("volume", lambda: conn.block_storage.delete_volume(volume, ignore_missing=False)),
        )
        for what, delete in attempts:
            try:
                delete()
            except openstack.exceptions.HttpException as error:
                refused.append(f"{what}: {error.status_code}")
            else:
                raise AssertionError(f"alice deleted bob's {what}")
        expect_alive = as_bob.compute.get_server(server.id).status
        assert expect_alive == "ACTIVE", f"bob's server is {expect_alive} after alice's attempts"
        as_bob.network.get_network(bob["network_id"])
        as_bob.block_storage.get_volume(bob["persistent_volume_id"])
        return (
            "as alice: bob's server, network and volume are not listed; deleting each is refused"
            f" ({', '.join(refused)}); all still there for bob"
        )
    finally:
        as_bob.compute.delete_server(server)
        as_bob.compute.wait_for_delete(server, wait=120)
        as_bob.network.delete_port(port)
