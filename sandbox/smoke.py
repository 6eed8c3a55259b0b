#!/usr/bin/python3
"""Smoke test of the osbp sandbox cloud: one process, Debian's openstacksdk.

Checks what the project's Pulumi programs rely on: a token, a project with quotas, tenant
networking with a router to the external network and a floating IP, VLAN and VXLAN provider
networks, a server booted with user data, a volume attached and detached, and a Heat
AutoScalingGroup stack created and deleted.  When the sandbox runs the opt-in services,
also a Swift object round trip and an Octavia load balancer with listener/pool/member/
health monitor.  Every resource it creates carries a unique
suffix and is deleted at the end, pass or fail.

Usage: OS_CLIENT_CONFIG_FILE=... OS_CLOUD=osbp-sandbox smoke.py
       (sandbox/smoke.sh sets both from $OSBP_SANDBOX_DIR)
Exit status 0 when every check passed.
"""

import base64
import logging
import os
import sys
import time
import traceback

import openstack

SUFFIX = f"smoke-{os.getpid()}-{int(time.time()) % 100000}"
IMAGE = os.environ.get("OSBP_SANDBOX_IMAGE", "ubuntu-22.04")
FLAVOR = "m1.tiny"
USER_DATA = "#cloud-config\nruncmd:\n  - echo hello from osbp\n"

ASG_TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "parameters": {
        "image": {"type": "string"},
        "flavor": {"type": "string"},
        "net": {"type": "string"},
    },
    "resources": {
        "asg": {
            "type": "OS::Heat::AutoScalingGroup",
            "properties": {
                "min_size": 1,
                "max_size": 3,
                "desired_capacity": 2,
                "resource": {
                    "type": "OS::Nova::Server",
                    "properties": {
                        "image": {"get_param": "image"},
                        "flavor": {"get_param": "flavor"},
                        "networks": [{"network": {"get_param": "net"}}],
                        "user_data_format": "RAW",
                        "user_data": "#!/bin/sh\necho asg member\n",
                    },
                },
            },
        },
        "scale_out": {
            "type": "OS::Heat::ScalingPolicy",
            "properties": {
                "adjustment_type": "change_in_capacity",
                "auto_scaling_group_id": {"get_resource": "asg"},
                "scaling_adjustment": 1,
            },
        },
    },
    "outputs": {"size": {"value": {"get_attr": ["asg", "current_size"]}}},
}


class Smoke:
    def __init__(self, conn):
        self.conn = conn
        self.passed, self.failed = 0, 0
        self.cleanups = []  # (description, callable), run last-in first-out
        self.t0 = time.monotonic()

    def check(self, name, func):
        """Run one check; a failure is reported and later checks still run."""
        start = time.monotonic()
        try:
            detail = func()
            self.passed += 1
            print(
                f"PASS {name} ({time.monotonic() - start:.1f}s){': ' + detail if detail else ''}",
                flush=True,
            )
            return True
        except Exception as exc:
            self.failed += 1
            print(f"FAIL {name}: {exc}", flush=True)
            traceback.print_exc(limit=3)
            return False

    def later(self, what, func):
        self.cleanups.append((what, func))

    def cleanup(self):
        ok = True
        for what, func in reversed(self.cleanups):
            try:
                func()
            except Exception as exc:
                ok = False
                print(f"cleanup of {what} failed: {exc}", flush=True)
        self.check("cleanup", lambda: self._assert(ok, "some resources were left behind"))

    @staticmethod
    def _assert(cond, msg):
        if not cond:
            raise AssertionError(msg)


def wait(what, func, timeout=120, interval=1.0):
    deadline = time.monotonic() + timeout
    while True:
        result = func()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def stack_gone(conn, stack_id):
    stack = conn.orchestration.find_stack(stack_id)
    return stack is None or stack.status == "DELETE_COMPLETE"


def delete_stack(conn, stack_id):
    """Delete and wait: the stack's servers must be gone before their network can go."""
    if stack_gone(conn, stack_id):
        return
    conn.orchestration.delete_stack(stack_id)
    wait("stack deletion", lambda: stack_gone(conn, stack_id), timeout=300, interval=2)
    if conn.orchestration.find_stack(stack_id) is not None:
        status = conn.orchestration.get_stack(stack_id).status
        if status != "DELETE_COMPLETE":
            raise RuntimeError(f"stack ended in {status}")


def run(conn):
    s = Smoke(conn)
    ids = {}
    c = conn

    # -- identity ----------------------------------------------------------------------
    s.check("token issue", lambda: f"expires {c.session.auth.get_auth_ref(c.session).expires}")

    def project_with_quotas():
        project = c.identity.create_project(name=f"proj-{SUFFIX}", domain_id="default")
        ids["project"] = project.id
        s.later("project", lambda: c.identity.delete_project(project))
        c.set_compute_quotas(project.id, instances=7, cores=11, ram=8192)
        c.set_network_quotas(project.id, network=13, port=101, floatingip=9)
        c.set_volume_quotas(project.id, volumes=17, gigabytes=123)
        got = (
            c.get_compute_quotas(project.id)["instances"],
            c.get_network_quotas(project.id)["networks"],
            c.get_volume_quotas(project.id)["volumes"],
        )
        s._assert(got == (7, 13, 17), f"quotas read back as {got}")
        return "instances=7 networks=13 volumes=17"

    s.check("project + quotas set", project_with_quotas)

    # -- networking --------------------------------------------------------------------
    def tenant_network():
        net = c.network.create_network(name=f"net-{SUFFIX}")
        s.later("network", lambda: c.network.delete_network(net))
        subnet = c.network.create_subnet(
            network_id=net.id, name=f"sub-{SUFFIX}", ip_version=4, cidr="10.20.0.0/24"
        )
        router = c.network.create_router(name=f"router-{SUFFIX}")
        s.later("router", lambda: c.network.delete_router(router))
        public = c.network.find_network("public")
        c.network.update_router(router, external_gateway_info={"network_id": public.id})
        c.network.add_interface_to_router(router, subnet_id=subnet.id)
        s.later(
            "router interface",
            lambda: c.network.remove_interface_from_router(router, subnet_id=subnet.id),
        )
        sg = c.network.create_security_group(name=f"sg-{SUFFIX}")
        s.later("security group", lambda: c.network.delete_security_group(sg))
        c.network.create_security_group_rule(
            security_group_id=sg.id,
            direction="ingress",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="0.0.0.0/0",
        )
        ids.update(net=net.id, router=router.id, sg=sg.id, public=public.id)
        return f"router gateway on {public.name}"

    s.check("tenant network + router to external 'public'", tenant_network)

    def provider_network(kind, **extra):
        def check():
            net = c.network.create_network(
                name=f"{kind}-{SUFFIX}", provider_network_type=kind, **extra
            )
            s.later(f"{kind} network", lambda: c.network.delete_network(net))
            s._assert(net.provider_segmentation_id, "no segmentation id allocated")
            return f"segmentation id {net.provider_segmentation_id}"

        return check

    s.check(
        "VLAN network (physnet1)", provider_network("vlan", provider_physical_network="physnet1")
    )
    s.check("VXLAN network", provider_network("vxlan"))

    # -- compute -----------------------------------------------------------------------
    def server_active():
        image = c.image.find_image(IMAGE, ignore_missing=False)
        flavor = c.compute.find_flavor(FLAVOR, ignore_missing=False)
        kp = c.compute.create_keypair(name=f"kp-{SUFFIX}")
        s.later("keypair", lambda: c.compute.delete_keypair(kp))
        server = c.compute.create_server(
            name=f"srv-{SUFFIX}",
            image_id=image.id,
            flavor_id=flavor.id,
            key_name=kp.name,
            networks=[{"uuid": ids["net"]}],
            security_groups=[{"name": f"sg-{SUFFIX}"}],
            user_data=base64.b64encode(USER_DATA.encode()).decode(),
        )
        s.later(
            "server",
            lambda: (c.compute.delete_server(server), c.compute.wait_for_delete(server, wait=120)),
        )
        server = c.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], wait=180)
        ids["server"] = server.id
        # user_data is shown to admins from compute API microversion 2.3 on.
        raw = c.compute.get(f"/servers/{server.id}", microversion="2.3").json()["server"]
        got = base64.b64decode(raw.get("OS-EXT-SRV-ATTR:user_data") or "").decode()
        s._assert(got == USER_DATA, f"user data read back as {got!r}")
        host = server.hypervisor_hostname or raw.get("OS-EXT-SRV-ATTR:host")
        return f"ACTIVE on {host}, user data intact"

    server_ok = s.check("server create -> ACTIVE with user data", server_active)

    def floating_ip():
        port = next(c.network.ports(device_id=ids["server"]))
        s._assert(port.status == "ACTIVE", f"server port is {port.status}")
        fip = c.network.create_ip(floating_network_id=ids["public"])
        s.later("floating ip", lambda: c.network.delete_ip(fip))
        c.network.update_ip(fip, port_id=port.id)
        fip = c.network.get_ip(fip.id)
        s._assert(fip.port_id == port.id and fip.fixed_ip_address, "floating IP not associated")
        return f"{fip.floating_ip_address} -> {fip.fixed_ip_address}"

    if server_ok:
        s.check("floating IP associated with the server port", floating_ip)

    # -- block storage -----------------------------------------------------------------
    def volume_attach_detach():
        vol = c.block_storage.create_volume(name=f"vol-{SUFFIX}", size=1)
        s.later(
            "volume",
            lambda: (
                c.block_storage.delete_volume(vol),
                c.block_storage.wait_for_delete(vol, wait=60),
            ),
        )
        vol = c.block_storage.wait_for_status(vol, "available", failures=["error"], wait=60)
        c.compute.create_volume_attachment(ids["server"], volume_id=vol.id)
        vol = c.block_storage.wait_for_status(
            vol, "in-use", failures=["error", "error_attaching"], interval=1, wait=90
        )
        c.compute.delete_volume_attachment(vol.id, ids["server"])
        c.block_storage.wait_for_status(
            vol, "available", failures=["error", "error_detaching"], interval=1, wait=90
        )
        return "available -> in-use -> available"

    if server_ok:
        s.check("volume create + attach (in-use) + detach", volume_attach_detach)

    # -- orchestration -----------------------------------------------------------------
    def heat_asg():
        stack = c.orchestration.create_stack(
            name=f"stack-{SUFFIX}",
            template=ASG_TEMPLATE,
            timeout_mins=10,
            parameters={"image": IMAGE, "flavor": FLAVOR, "net": ids["net"]},
        )
        s.later("stack", lambda: delete_stack(c, stack.id))
        stack = c.orchestration.wait_for_status(
            stack, "CREATE_COMPLETE", failures=["CREATE_FAILED"], interval=2, wait=300
        )
        size = {
            o["output_key"]: o["output_value"] for o in c.orchestration.get_stack(stack.id).outputs
        }["size"]
        delete_stack(c, stack.id)
        return f"CREATE_COMPLETE with {size} servers, then deleted"

    s.check("Heat AutoScalingGroup stack create + delete", heat_asg)

    # -- object storage (only when the sandbox runs Swift: up.sh --with-swift) --------------
    def object_store():
        container = f"ctr-{SUFFIX}"
        c.object_store.create_container(name=container)
        s.later("container", lambda: c.object_store.delete_container(container))
        data = b"osbp backup blob\n" * 64
        c.object_store.upload_object(container=container, name="backup.bin", data=data)
        s.later("object", lambda: c.object_store.delete_object("backup.bin", container=container))
        got = c.object_store.download_object("backup.bin", container=container)
        s._assert(got == data, "downloaded object differs")
        return f"{len(data)} bytes round-tripped"

    if c.has_service("object-store"):
        s.check("Swift container + object upload/download", object_store)

    # -- load balancing (only with up.sh --with-octavia; noop drivers) ---------------------
    def load_balancer():
        lb_api = c.load_balancer
        subnet = c.network.find_subnet(f"sub-{SUFFIX}", ignore_missing=False)
        lb = lb_api.create_load_balancer(name=f"lb-{SUFFIX}", vip_subnet_id=subnet.id)
        s.later(
            "load balancer",
            lambda: (
                lb_api.delete_load_balancer(lb, cascade=True),
                wait("lb deletion", lambda: lb_api.find_load_balancer(lb.id) is None, timeout=120),
            ),
        )

        def active():
            status = lb_api.get_load_balancer(lb.id).provisioning_status
            s._assert(status != "ERROR", "load balancer went to ERROR (see octavia-worker.log)")
            return status == "ACTIVE"

        wait("load balancer ACTIVE", active, timeout=180)
        listener = lb_api.create_listener(
            name=f"lsn-{SUFFIX}", protocol="HTTP", protocol_port=80, load_balancer_id=lb.id
        )
        wait("listener", active)
        pool = lb_api.create_pool(
            name=f"pool-{SUFFIX}",
            protocol="HTTP",
            lb_algorithm="ROUND_ROBIN",
            listener_id=listener.id,
        )
        wait("pool", active)
        lb_api.create_member(pool, address="10.20.0.50", protocol_port=80, subnet_id=subnet.id)
        wait("member", active)
        lb_api.create_health_monitor(
            pool_id=pool.id, type="HTTP", delay=5, timeout=3, max_retries=3
        )
        wait("health monitor", active)
        got = lb_api.get_load_balancer(lb.id)
        return f"{got.provisioning_status}/{got.operating_status}, VIP {got.vip_address}"

    if c.has_service("load-balancer") and "net" in ids:
        s.check("Octavia LB + listener + pool + member + health monitor", load_balancer)

    # -- rating (only with up.sh --with-cloudkitty): a hashmap price, then a quote --------
    def rating():
        def call(method, path, **kwargs):
            response = c.session.request(
                path, method, endpoint_filter={"service_type": "rating"}, raise_exc=False,
                redirect=False, **kwargs,
            )  # fmt: skip
            s._assert(response.status_code < 400 or response.status_code == 302,
                      f"{method} {path}: {response.status_code} {response.text[:200]}")  # fmt: skip
            return response

        base = "/v1/rating/module_config/hashmap"
        service = call("POST", f"{base}/services", json={"name": f"smoke{SUFFIX}"}).json()
        service_id = service["service_id"]
        s.later("rating service",
                lambda: call("DELETE", f"{base}/services?service_id={service_id}"))  # fmt: skip
        call("POST", f"{base}/mappings",
             json={"service_id": service_id, "cost": "0.25", "type": "flat"})  # fmt: skip
        module = "/v1/rating/modules/hashmap"
        if not call("GET", module).json().get("enabled"):
            call("PUT", module, json={"module_id": "hashmap", "enabled": True})
            disable = {"module_id": "hashmap", "enabled": False}
            s.later("hashmap module enabled", lambda: call("PUT", module, json=disable))
        quote = call("POST", "/v1/rating/quote", json={"resources": [
            {"service": f"smoke{SUFFIX}", "desc": {}, "volume": "4"}]}).json()  # fmt: skip
        s._assert(float(quote) == 1.0, f"quote for 4 units at 0.25: {quote!r}, expected 1.0")
        return f"hashmap flat price 0.25 x 4 units quoted {quote}"

    if c.has_service("rating"):
        s.check("CloudKitty hashmap price + quote", rating)

    s.cleanup()
    print(f"smoke: {time.monotonic() - s.t0:.0f}s")
    print(f"{s.passed} passed, {s.failed} failed")
    return s.failed == 0


def main():
    if not os.environ.get("OS_CLOUD"):
        sys.exit("set OS_CLIENT_CONFIG_FILE and OS_CLOUD (see sandbox/README.md)")
    # keystoneauth warns on every Swift call that /v1/AUTH_x has no version document.
    logging.basicConfig(level=logging.ERROR)
    sys.exit(0 if run(openstack.connect()) else 1)


if __name__ == "__main__":
    main()
