"""Keystone, Nova and CloudKitty as openstacksdk sees them, on one local port.

The dashboard's tests serve it in a thread; the node test runs it beside the booted
dashboard VM (``python3 fake_openstack.py 5000``) so that a real login goes through
openstacksdk there too. Standard library only: it runs on the node's own Python.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROJECTS = {"p-ops": "ops", "p-acme": "acme", "p-globex": "globex"}
ACCOUNTS = {  # user: (password, user id, projects it holds a role on)
    "alice": ("right-pw", "u-alice", ("p-acme",)),
    "dashboard-reader": ("reader-pw", "u-reader", ("p-ops", "p-acme", "p-globex")),
}


class FakeOpenStack(BaseHTTPRequestHandler):
    """Keystone, Nova and CloudKitty on one local port, as openstacksdk sees them."""

    seen: list[tuple[str, str, str | None, object]]
    tokens: dict[str, tuple[str, str]]  # token: (user, project id)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: object, token: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if token:
            self.send_header("X-Subject-Token", token)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, code: int, title: str) -> None:
        self._send(code, {"error": {"code": code, "title": title, "message": title}})

    def _base(self) -> str:
        address = self.server.server_address
        assert isinstance(address, tuple)
        port = address[1]
        return f"http://127.0.0.1:{port}"

    def _endpoint(self, kind: str, path: str) -> dict[str, object]:
        url = self._base() + path
        endpoint = {"id": kind, "interface": "public", "region": "RegionOne", "url": url}
        return {"type": kind, "id": kind, "name": kind, "endpoints": [endpoint]}

    def do_GET(self) -> None:
        token = self.headers.get("X-Auth-Token")
        self.seen.append(("GET", self.path, token, None))
        path = self.path.split("?")[0].rstrip("/")
        user, project = self.tokens.get(token or "", ("", ""))
        if path == "/v3":
            links = [{"rel": "self", "href": self._base() + "/v3/"}]
            self._send(200, {"version": {"id": "v3.14", "status": "stable", "links": links}})
        elif path == "/compute/v2.1":
            links = [{"rel": "self", "href": self._base() + "/compute/v2.1/"}]
            version = {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}
            self._send(200, {"version": {**version, "links": links}})
        elif not user:
            self._error(401, "Unauthorized")
        elif path == "/v3/projects":
            self._error(403, "Forbidden")  # no system reader here
        elif path == f"/v3/users/{ACCOUNTS[user][1]}/projects":
            listed = [{"id": p, "name": PROJECTS[p], "tags": []} for p in ACCOUNTS[user][2]]
            self._send(200, {"projects": listed, "links": {"self": self._base() + path}})
        elif path == f"/compute/v2.1/os-simple-tenant-usage/{project}":
            vcpus = {"p-acme": 2, "p-globex": 4}.get(project, 0)
            server = {"name": "web", "vcpus": vcpus, "memory_mb": 2048, "hours": 3.75}
            usage = {"total_vcpus_usage": 3.75 * vcpus, "total_memory_mb_usage": 7680.0}
            self._send(200, {"tenant_usage": {**usage, "server_usages": [server]}})
        elif path == f"/compute/v2.1/os-quota-sets/{project}/detail":
            cores = {"in_use": 2, "limit": 6, "reserved": 0}
            self._send(200, {"quota_set": {"cores": cores}})
        elif path.startswith(("/compute/v2.1/os-simple-tenant-usage/", "/compute/v2.1/os-quota")):
            self._error(403, "Forbidden")  # another project than the token's
        else:
            self._error(404, "Not Found")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers.get("X-Auth-Token")
        self.seen.append(("POST", self.path, token, body))
        if self.path == "/rating/v1/rating/quote":
            self._send(200, 0.75) if token in self.tokens else self._error(401, "Unauthorized")
            return
        identity, scope = body["auth"]["identity"], body["auth"].get("scope", {})
        if "password" in identity["methods"]:
            user = identity["password"]["user"]["name"]
            if ACCOUNTS.get(user, ("",))[0] != identity["password"]["user"]["password"]:
                self._error(401, "Unauthorized")
                return
        else:
            user = self.tokens.get(identity["token"]["id"], ("", ""))[0]
        wanted = scope.get("project", {})
        names = {name: pid for pid, name in PROJECTS.items()}
        project = wanted.get("id") or names.get(wanted.get("name", ""), "")
        if not user or project not in ACCOUNTS[user][2]:
            self._error(401, "Unauthorized")
            return
        issued = f"tok-{user}-{project}"
        self.tokens[issued] = (user, project)
        domain = {"id": "default", "name": "Default"}
        reply = {
            "methods": identity["methods"],
            "expires_at": "2030-01-01T00:00:00.000000Z",
            "user": {"id": ACCOUNTS[user][1], "name": user, "domain": domain},
            "project": {"id": project, "name": PROJECTS[project], "domain": domain},
            "roles": [{"id": "r1", "name": "reader" if user != "alice" else "member"}],
            "catalog": [
                self._endpoint("identity", "/v3"),
                self._endpoint("compute", "/compute/v2.1"),
                self._endpoint("rating", "/rating"),
            ],
        }
        self._send(201, {"token": reply}, token=issued)


def main(argv: list[str]) -> None:
    """Serve on 127.0.0.1:<port> until killed."""
    handler = type("Handler", (FakeOpenStack,), {"seen": [], "tokens": {}})
    ThreadingHTTPServer(("127.0.0.1", int(argv[0])), handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
