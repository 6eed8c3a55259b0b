#!/usr/bin/env bash
# Real deployment with the cached toolchain against an OpenStack cloud (the
# osbp sandbox by default): `pulumi up` of a small Python program (network,
# subnet, router to the external network, port, security group + rule,
# instance, volume + attachment, floating IP on the port, getNetwork lookup),
# then `pulumi preview --expect-no-changes`, then `pulumi destroy`.
# Runs e2e/tools/build.sh products only (source env.sh); never starts or stops
# the cloud. Resources are named osbp-tools-<pid>-*; destroy runs on failure too.
#
# --wide adds: identity Project/User/Role/RoleAssignment, compute QuotaSetV2,
# networking QuotaV2, blockstorage QuoteSetV3, images Image (1 MiB raw file),
# compute Flavor/ServerGroup/Keypair, blockstorage VolumeTypeV3, networking
# RbacPolicyV2, orchestration StackV1 (OS::Heat::RandomString), objectstorage
# Container/ContainerObject (needs Swift; OSBP_SMOKE_SWIFT=0 leaves them
# out); with OSBP_SMOKE_LB=1 also
# loadbalancer LoadBalancer/Listener/Pool/Member/Monitor (needs Octavia).
#
# Env: OS_CLIENT_CONFIG_FILE / OS_CLOUD (default: the sandbox's clouds.yaml,
#      cloud osbp-sandbox), OSBP_SMOKE_IMAGE (ubuntu-22.04),
#      OSBP_SMOKE_FLAVOR (m1.tiny), OSBP_SMOKE_EXTERNAL_NET (public),
#      OSBP_SMOKE_KEEP=1 keeps the temp dir (state) for inspection.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
export OS_CLIENT_CONFIG_FILE="${OS_CLIENT_CONFIG_FILE:-${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}/clouds.yaml}"
export OS_CLOUD="${OS_CLOUD:-osbp-sandbox}"
[[ -r "$OS_CLIENT_CONFIG_FILE" ]] || { echo "no clouds.yaml at $OS_CLIENT_CONFIG_FILE" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/osbp-pulumi-os.XXXXXX")"
p="$tmp/prog"
export PULUMI_BACKEND_URL="file://$tmp/state" PULUMI_CONFIG_PASSPHRASE=smoke
mkdir -p "$tmp/state" "$p"
export OSBP_SMOKE_PREFIX="osbp-tools-$$"
wide=0
[[ "${1:-}" == --wide ]] && wide=1
say() { printf '[smoke-openstack %4ss] %s\n' "$SECONDS" "$*"; }
deployed=0
cleanup() {
  local rc=$?
  if ((deployed)); then
    say "destroying (exit path)"
    (cd "$p" && pulumi destroy --yes --non-interactive --skip-preview) || rc=1
  fi
  if [[ "${OSBP_SMOKE_KEEP:-}" == 1 ]]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT

venv="${OSBP_SMOKE_VENV:-$tmp/venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating venv ($PY_PULUMI_PIN $PY_PULUMI_OPENSTACK_PIN)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$PY_PULUMI_PIN" "$PY_PULUMI_OPENSTACK_PIN"
fi
cat >"$p/Pulumi.yaml" <<EOF2
name: osbp-tools-smoke-openstack
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: $venv
EOF2
cat >"$p/__main__.py" <<'EOF2'
import os
import pulumi
import pulumi_openstack as openstack

px = os.environ["OSBP_SMOKE_PREFIX"]
image = os.environ.get("OSBP_SMOKE_IMAGE", "ubuntu-22.04")
flavor = os.environ.get("OSBP_SMOKE_FLAVOR", "m1.tiny")
ext = openstack.networking.get_network(name=os.environ.get("OSBP_SMOKE_EXTERNAL_NET", "public"))

net = openstack.networking.Network("net", name=px + "-net", admin_state_up=True)
subnet = openstack.networking.Subnet("subnet", name=px + "-subnet", network_id=net.id,
                                     cidr="10.213.7.0/24", ip_version=4,
                                     dns_nameservers=["127.0.0.53"])
router = openstack.networking.Router("router", name=px + "-router", external_network_id=ext.id)
rif = openstack.networking.RouterInterface("router-if", router_id=router.id, subnet_id=subnet.id)
sg = openstack.networking.SecGroup("sg", name=px + "-sg", description="osbp tools smoke")
openstack.networking.SecGroupRule("ssh", security_group_id=sg.id, direction="ingress",
                                  ethertype="IPv4", protocol="tcp", port_range_min=22,
                                  port_range_max=22, remote_ip_prefix="0.0.0.0/0")
port = openstack.networking.Port("port", name=px + "-port", network_id=net.id,
                                 security_group_ids=[sg.id],
                                 fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=subnet.id)])
vm = openstack.compute.Instance("vm", name=px + "-vm", image_name=image, flavor_name=flavor,
                                networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
                                metadata={"osbp": "tools-smoke"})
vol = openstack.blockstorage.Volume("vol", name=px + "-vol", size=1)
openstack.compute.VolumeAttach("attach", instance_id=vm.id, volume_id=vol.id)
fip = openstack.networking.FloatingIp("fip", pool=ext.name)
# Neutron needs the router interface before a floating IP can reach the port.
openstack.networking.FloatingIpAssociate("fip-assoc", floating_ip=fip.address, port_id=port.id,
                                         opts=pulumi.ResourceOptions(depends_on=[rif]))

pulumi.export("external_network_id", ext.id)
pulumi.export("fixed_ip", port.all_fixed_ips[0])
pulumi.export("instance_ip", vm.access_ip_v4)
pulumi.export("floating_ip", fip.address)
EOF2
if ((wide)); then
  head -c 1048576 /dev/zero >"$tmp/tiny.raw"
  export OSBP_SMOKE_IMAGE_FILE="$tmp/tiny.raw"
  cat >>"$p/__main__.py" <<'EOF2'

# --- --wide -----------------------------------------------------------------
import json
proj = openstack.identity.Project("w-proj", name=px + "-proj", description="osbp tools smoke")
user = openstack.identity.User("w-user", name=px + "-user", password="Sm0ke-pass-1",
                               default_project_id=proj.id)
role = openstack.identity.Role("w-role", name=px + "-role")
openstack.identity.RoleAssignment("w-ra", project_id=proj.id, user_id=user.id, role_id=role.id)
openstack.compute.QuotaSetV2("w-cq", project_id=proj.id, instances=7, cores=9, ram=20480, key_pairs=5)
openstack.networking.QuotaV2("w-nq", project_id=proj.id, network=7, subnet=7, port=50, router=3,
                             floatingip=3, security_group=10, security_group_rule=50)
openstack.blockstorage.QuoteSetV3("w-bq", project_id=proj.id, volumes=7, gigabytes=70, snapshots=3)
img = openstack.images.Image("w-img", name=px + "-img", local_file_path=os.environ["OSBP_SMOKE_IMAGE_FILE"],
                             container_format="bare", disk_format="raw", visibility="private")
fl = openstack.compute.Flavor("w-flavor", name=px + "-flavor", ram=256, vcpus=1, disk=1, is_public=True)
openstack.blockstorage.VolumeTypeV3("w-vt", name=px + "-vt", description="smoke", extra_specs={"osbp": "1"})
sgp = openstack.compute.ServerGroup("w-sgp", name=px + "-sgp", policies="anti-affinity")
kp = openstack.compute.Keypair("w-kp", name=px + "-kp")
openstack.networking.RbacPolicyV2("w-rbac", action="access_as_shared", object_id=net.id,
                                  object_type="network", target_tenant=proj.id)
stack = openstack.orchestration.StackV1("w-stack", name=px + "-stack",
    template_opts={"Bin": json.dumps({"heat_template_version": "2018-08-31",
        "resources": {"r": {"type": "OS::Heat::RandomString", "properties": {"length": 8}}},
        "outputs": {"v": {"value": {"get_attr": ["r", "value"]}}}})},
    environment_opts={"Bin": "{}\n"}, disable_rollback=True, timeout=10)
if os.environ.get("OSBP_SMOKE_SWIFT", "1") == "1":
    cont = openstack.objectstorage.Container("w-cont", name=px + "-cont", metadata={"osbp": "1"})
    openstack.objectstorage.ContainerObject("w-obj", container_name=cont.name, name="hello.txt",
                                            content="hello", content_type="text/plain")
if os.environ.get("OSBP_SMOKE_LB") == "1":
    lb = openstack.loadbalancer.LoadBalancer("w-lb", name=px + "-lb", vip_subnet_id=subnet.id)
    lis = openstack.loadbalancer.Listener("w-lis", name=px + "-lis", protocol="HTTP", protocol_port=80,
                                          loadbalancer_id=lb.id)
    pool = openstack.loadbalancer.Pool("w-pool", name=px + "-pool", protocol="HTTP",
                                       lb_method="ROUND_ROBIN", listener_id=lis.id)
    openstack.loadbalancer.Member("w-mem", pool_id=pool.id, address="10.213.7.10", protocol_port=80,
                                  subnet_id=subnet.id)
    openstack.loadbalancer.Monitor("w-mon", pool_id=pool.id, type="HTTP", delay=5, timeout=3, max_retries=3)
pulumi.export("keypair_private_key", kp.private_key)  # secret
pulumi.export("stack_outputs", stack.stack_outputs)
pulumi.export("image_checksum", img.checksum)
pulumi.export("server_group_policies", sgp.policies)
EOF2
fi
(cd "$p" && pulumi stack init smoke --non-interactive >/dev/null)

say "pulumi up"
deployed=1
(cd "$p" && pulumi up --yes --non-interactive --skip-preview)
(cd "$p" && pulumi stack output --json)
say "pulumi preview --expect-no-changes"
(cd "$p" && pulumi preview --non-interactive --expect-no-changes)
say "pulumi refresh --expect-no-changes"
(cd "$p" && pulumi refresh --yes --non-interactive --expect-no-changes --skip-preview)
say "pulumi destroy"
(cd "$p" && pulumi destroy --yes --non-interactive --skip-preview)
deployed=0
(cd "$p" && test "$(pulumi stack export | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployment"].get("resources") or []))')" = 0)
say "OK: up, preview --expect-no-changes, refresh --expect-no-changes, destroy$( ((wide)) && echo ' (--wide)')"
