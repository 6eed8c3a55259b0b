"""``make billing`` (billing/) against an in-memory CloudKitty that records every request."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openstack
import pytest

import billing
from billing import (
    CloudKittyClient,
    CloudKittyError,
    CreateMapping,
    CreateService,
    DeleteMapping,
    EnableModule,
    State,
    UpdateMapping,
    apply,
    plan,
    read_state,
)
from billing.__main__ import SCOPE_VARIABLES, connect, main

ENDPOINT = "https://cloudkitty.example:8889"
HASHMAP = "/v1/rating/module_config/hashmap"
PRICES = {"cpu": Decimal("0.02"), "ram": Decimal("0.001"), "storage": Decimal("0.0005")}
EIGHT = Decimal("0.00000001")


class FakeResponse:
    def __init__(self, status_code: int, body: Any = None) -> None:
        self.status_code = status_code
        self.body = body

    @property
    def text(self) -> str:
        return "" if self.body is None else json.dumps(self.body)

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no body")
        return self.body


class FakeCloudKitty:
    """CloudKitty v1 (rating modules, hashmap services and mappings, quote) in memory."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.services: dict[str, str] = {}  # service_id -> name
        self.mappings: dict[str, dict[str, Any]] = {}  # mapping_id -> mapping
        self.requests: list[tuple[str, str, Any]] = []
        self.kwargs: list[dict[str, Any]] = []
        self.counter = 0
        self.refused: set[str] = set()
        """Methods answered 403, as for a user who is not CloudKitty's admin."""

    # the session interface

    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        return self._handle("GET", url, kwargs)

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        return self._handle("POST", url, kwargs)

    def put(self, url: str, **kwargs: Any) -> FakeResponse:
        return self._handle("PUT", url, kwargs)

    def delete(self, url: str, **kwargs: Any) -> FakeResponse:
        return self._handle("DELETE", url, kwargs)

    # helpers for the tests

    def changes(self) -> list[tuple[str, str, Any]]:
        return [request for request in self.requests if request[0] != "GET"]

    def add_service(self, name: str) -> str:
        service_id = self._new_id("service")
        self.services[service_id] = name
        return service_id

    def add_mapping(self, service_id: str, cost: str, **extra: Any) -> str:
        mapping_id = self._new_id("mapping")
        self.mappings[mapping_id] = {
            "mapping_id": mapping_id,
            "service_id": service_id,
            "field_id": None,
            "value": "",  # what CloudKitty (Zed) returns for a service mapping
            "cost": str(Decimal(cost).quantize(EIGHT)),
            "type": "flat",
            "group_id": None,
            "tenant_id": None,
            **extra,
        }
        return mapping_id

    def costs(self) -> dict[str, list[str]]:
        """Service name -> costs of its mappings, as CloudKitty would return them."""
        return {
            name: sorted(m["cost"] for m in self.mappings.values() if m["service_id"] == sid)
            for sid, name in self.services.items()
        }

    # the API

    def _new_id(self, kind: str) -> str:
        self.counter += 1
        return f"{kind}-{self.counter:04d}"

    def _handle(self, method: str, url: str, kwargs: dict[str, Any]) -> FakeResponse:
        assert url.startswith(ENDPOINT + "/v1/"), url
        parts = urlsplit(url)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        body: Any = kwargs.get("json")
        self.requests.append((method, path + (f"?{parts.query}" if parts.query else ""), body))
        self.kwargs.append(kwargs)
        route = (method, path)
        if method in self.refused:
            return FakeResponse(403, {"faultstring": "Access was denied to this resource."})
        if route == ("GET", "/v1/rating/modules/hashmap"):
            return FakeResponse(
                200, {"module_id": "hashmap", "enabled": self.enabled, "priority": 1}
            )
        if route == ("PUT", "/v1/rating/modules/hashmap"):
            self.enabled = bool(body["enabled"])
            return FakeResponse(302)
        if route == ("GET", f"{HASHMAP}/services"):
            services = [{"service_id": k, "name": v} for k, v in self.services.items()]
            return FakeResponse(200, {"services": services})
        if route == ("POST", f"{HASHMAP}/services"):
            if body["name"] in self.services.values():
                return FakeResponse(409, {"faultstring": "Service already exists"})
            service_id = self.add_service(body["name"])
            return FakeResponse(201, {"service_id": service_id, "name": body["name"]})
        if route == ("GET", f"{HASHMAP}/mappings"):
            found = [m for m in self.mappings.values() if m["service_id"] == query["service_id"]]
            return FakeResponse(200, {"mappings": [dict(m) for m in found]})
        if route == ("POST", f"{HASHMAP}/mappings"):
            if body.get("service_id") not in self.services:
                return FakeResponse(400, {"faultstring": "No such service"})
            assert isinstance(body["cost"], str), "costs are sent as decimal strings"
            mapping_id = self.add_mapping(body["service_id"], body["cost"], type=body["type"])
            return FakeResponse(201, dict(self.mappings[mapping_id]))
        if route == ("PUT", f"{HASHMAP}/mappings"):
            mapping = self.mappings.get(query.get("mapping_id", ""))
            if mapping is None:
                return FakeResponse(400, {"faultstring": "No such mapping"})
            assert set(body) == set(mapping), "a v1 PUT sends the whole mapping"
            assert body["mapping_id"] == mapping["mapping_id"]
            mapping["cost"] = str(Decimal(body["cost"]).quantize(EIGHT))
            mapping["type"] = body["type"]
            return FakeResponse(302)
        if route == ("DELETE", f"{HASHMAP}/mappings"):
            if self.mappings.pop(query.get("mapping_id", ""), None) is None:
                return FakeResponse(400, {"faultstring": "No such mapping"})
            return FakeResponse(204)
        if route == ("POST", "/v1/rating/quote"):
            total = Decimal(0)
            for resource in body["resources"]:
                costs = [
                    Decimal(m["cost"])
                    for m in self.mappings.values()
                    if self.services.get(m["service_id"]) == resource["service"]
                    and m["type"] == "flat"
                ]
                if self.enabled and costs:
                    total += max(costs) * Decimal(resource["volume"])
            return FakeResponse(200, float(total))
        return FakeResponse(404, {"faultstring": f"no route {method} {path}"})


class FakeConnection:
    def __init__(self, session: FakeCloudKitty, endpoint: str | None = ENDPOINT) -> None:
        self.session = session
        self.endpoint = endpoint
        self.asked: list[tuple[str, str | None]] = []

    def endpoint_for(self, service_type: str, interface: str | None = None) -> str | None:
        self.asked.append((service_type, interface))
        return self.endpoint if service_type == "rating" else None


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SCOPE_VARIABLES, "PULUMI_STACK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cloudkitty() -> FakeCloudKitty:
    return FakeCloudKitty()


@pytest.fixture
def client(cloudkitty: FakeCloudKitty) -> CloudKittyClient:
    return CloudKittyClient(cloudkitty, ENDPOINT + "/")


@pytest.fixture
def connections(
    monkeypatch: pytest.MonkeyPatch, cloudkitty: FakeCloudKitty
) -> list[dict[str, Any]]:
    """openstack.connect replaced: its kwargs recorded, a connection to the fake returned."""
    calls: list[dict[str, Any]] = []

    def fake_connect(**kwargs: Any) -> FakeConnection:
        calls.append(kwargs)
        return FakeConnection(cloudkitty)

    monkeypatch.setattr(openstack, "connect", fake_connect)
    return calls


# ---------------------------------------------------------------------------------------------
# apply against the fake CloudKitty


def test_first_apply_on_an_empty_cloudkitty_creates_everything(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    done = apply(client, PRICES)

    assert [type(a) for a in done].count(CreateService) == 3
    assert [type(a) for a in done].count(CreateMapping) == 3
    assert done[-1] == EnableModule("hashmap")
    changes = cloudkitty.changes()
    assert [(m, p) for m, p, _ in changes].count(("POST", f"{HASHMAP}/services")) == 3
    assert [(m, p) for m, p, _ in changes].count(("POST", f"{HASHMAP}/mappings")) == 3
    enable = {"module_id": "hashmap", "enabled": True}  # CloudKitty wants the id in the body
    assert ("PUT", "/v1/rating/modules/hashmap", enable) in changes
    assert len(changes) == 7
    posted = {
        cloudkitty.services[body["service_id"]]: (body["cost"], body["type"])
        for method, path, body in changes
        if path == f"{HASHMAP}/mappings"
    }
    assert posted == {
        "cpu": ("0.02", "flat"),
        "ram": ("0.001", "flat"),
        "storage": ("0.0005", "flat"),
    }
    assert cloudkitty.enabled is True
    assert cloudkitty.costs() == {
        "cpu": ["0.02000000"],
        "ram": ["0.00100000"],
        "storage": ["0.00050000"],
    }


def test_each_mapping_is_created_after_its_service(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    apply(client, PRICES)

    order = [body.get("name") or body.get("service_id") for _, _, body in cloudkitty.changes()]
    for service_id, name in cloudkitty.services.items():
        assert order.index(name) < order.index(service_id)


def test_requests_go_to_the_rating_endpoint_without_raising_or_following(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    apply(client, PRICES)

    assert all(kw["endpoint_filter"] == billing.RATING_FILTER for kw in cloudkitty.kwargs)
    assert all(kw["raise_exc"] is False for kw in cloudkitty.kwargs)
    puts = [
        kw
        for (m, _, _), kw in zip(cloudkitty.requests, cloudkitty.kwargs, strict=True)
        if m == "PUT"
    ]
    assert puts and all(kw["redirect"] is False for kw in puts)


def test_second_apply_changes_nothing(cloudkitty: FakeCloudKitty, client: CloudKittyClient) -> None:
    apply(client, PRICES)
    cloudkitty.requests.clear()

    assert apply(client, PRICES) == []
    assert cloudkitty.requests, "the state was read"
    assert {method for method, _, _ in cloudkitty.requests} == {"GET"}


def test_a_changed_price_is_exactly_one_put(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    apply(client, PRICES)
    cloudkitty.requests.clear()
    cpu_id = next(k for k, v in cloudkitty.services.items() if v == "cpu")
    mapping_id = next(k for k, m in cloudkitty.mappings.items() if m["service_id"] == cpu_id)

    done = apply(client, {**PRICES, "cpu": Decimal("0.03")})

    assert done == [UpdateMapping("cpu", mapping_id, Decimal("0.02"), Decimal("0.03"))]
    changes = cloudkitty.changes()
    assert len(changes) == 1
    method, path, body = changes[0]
    assert (method, path) == ("PUT", f"{HASHMAP}/mappings?mapping_id={mapping_id}")
    assert body == {
        "mapping_id": mapping_id,
        "service_id": cpu_id,
        "field_id": None,
        "value": "",
        "cost": "0.03",
        "type": "flat",
        "group_id": None,
        "tenant_id": None,
    }
    assert cloudkitty.costs()["cpu"] == ["0.03000000"]
    assert cloudkitty.costs()["ram"] == ["0.00100000"]


def test_a_duplicate_mapping_is_deleted_and_the_right_one_kept(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    cloudkitty.enabled = True
    for name, price in PRICES.items():
        cloudkitty.add_mapping(cloudkitty.add_service(name), str(price))
    cpu_id = next(k for k, v in cloudkitty.services.items() if v == "cpu")
    duplicate = cloudkitty.add_mapping(cpu_id, "0.05")

    done = apply(client, PRICES)

    assert done == [DeleteMapping("cpu", duplicate, Decimal("0.05"))]
    assert cloudkitty.changes() == [("DELETE", f"{HASHMAP}/mappings?mapping_id={duplicate}", None)]
    assert cloudkitty.costs()["cpu"] == ["0.02000000"]


def test_duplicates_at_wrong_costs_leave_one_mapping_corrected(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    cloudkitty.enabled = True
    for name, price in PRICES.items():
        cloudkitty.add_mapping(cloudkitty.add_service(name), str(price))
    storage_id = next(k for k, v in cloudkitty.services.items() if v == "storage")
    cloudkitty.add_mapping(storage_id, "0.9")

    apply(client, {**PRICES, "storage": Decimal("0.0007")})

    assert [m for m, _, _ in cloudkitty.changes()] == ["DELETE", "PUT"]
    assert cloudkitty.costs()["storage"] == ["0.00070000"]
    assert apply(client, {**PRICES, "storage": Decimal("0.0007")}) == []


def test_mappings_billing_does_not_manage_are_left_alone(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    cloudkitty.enabled = True
    cpu_id = cloudkitty.add_service("cpu")
    cloudkitty.add_mapping(cpu_id, "0.5", tenant_id="tenant-acme")
    cloudkitty.add_mapping(cpu_id, "1.2", type="rate")
    cloudkitty.add_mapping(cpu_id, "0.7", group_id="group-1")

    done = apply(client, {"cpu": Decimal("0.02")})

    assert done == [CreateMapping("cpu", Decimal("0.02"), cpu_id)]
    assert cloudkitty.costs()["cpu"] == ["0.02000000", "0.50000000", "0.70000000", "1.20000000"]


def test_an_enabled_module_is_not_put_again(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    cloudkitty.enabled = True

    apply(client, PRICES)

    assert all(path != "/v1/rating/modules/hashmap" for _, path, _ in cloudkitty.changes())


def test_a_refusal_is_one_cloudkitty_error(
    cloudkitty: FakeCloudKitty, client: CloudKittyClient
) -> None:
    with pytest.raises(CloudKittyError, match=r"DELETE .*HTTP 400: No such mapping"):
        client.delete_mapping("mapping-9999")


# ---------------------------------------------------------------------------------------------
# the planner alone


def _mapping(mapping_id: str, service_id: str, cost: str) -> dict[str, Any]:
    return {
        "mapping_id": mapping_id,
        "service_id": service_id,
        "field_id": None,
        "value": None,
        "cost": cost,
        "type": "flat",
        "group_id": None,
        "tenant_id": None,
    }


def test_plan_for_an_empty_cloudkitty() -> None:
    assert plan(PRICES, State(module_enabled=False)) == [
        CreateService("cpu"),
        CreateMapping("cpu", Decimal("0.02")),
        CreateService("ram"),
        CreateMapping("ram", Decimal("0.001")),
        CreateService("storage"),
        CreateMapping("storage", Decimal("0.0005")),
        EnableModule("hashmap"),
    ]


@pytest.mark.parametrize("stored", ["0.02000000", "0.02", "0.020", "2E-2"])
def test_costs_compare_as_decimals(stored: str) -> None:
    state = State(True, {"cpu": "s1"}, {"s1": [_mapping("m1", "s1", stored)]})

    assert plan({"cpu": Decimal("0.02")}, state) == []


def test_a_cost_off_by_the_last_decimal_is_updated() -> None:
    state = State(True, {"cpu": "s1"}, {"s1": [_mapping("m1", "s1", "0.02000001")]})

    actions = plan({"cpu": Decimal("0.02")}, state)

    assert actions == [UpdateMapping("cpu", "m1", Decimal("0.02000001"), Decimal("0.02"))]
    assert isinstance(actions[0], UpdateMapping)
    assert actions[0].mapping["cost"] == "0.02000001"


def test_dry_run_texts() -> None:
    update = UpdateMapping("cpu", "m1", Decimal("0.02000000"), Decimal("0.03"))
    assert CreateMapping("cpu", Decimal("0.02")).text(done=True) == "cpu: mapping 0.02 created"
    assert update.text(done=True) == "cpu: mapping 0.02 -> 0.03 updated"
    assert EnableModule().text(done=False) == "hashmap module to enable"


def test_read_state_only_reads(cloudkitty: FakeCloudKitty, client: CloudKittyClient) -> None:
    cpu_id = cloudkitty.add_service("cpu")
    cloudkitty.add_service("image.size")
    mapping_id = cloudkitty.add_mapping(cpu_id, "0.02")

    state = read_state(client)

    assert state.services == {"cpu": cpu_id}
    assert [m["mapping_id"] for m in state.mappings[cpu_id]] == [mapping_id]
    assert state.module_enabled is False
    assert cloudkitty.changes() == []


# ---------------------------------------------------------------------------------------------
# prices: the stack config and --prices


def _project(directory: Path, stacks: dict[str, str]) -> None:
    (directory / "Pulumi.yaml").write_text("name: saas-multitenant\nruntime: python\n")
    for stack, text in stacks.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(text)


PROD = """\
config:
  pulumi:disable-default-providers: ["openstack"]
  saas-multitenant:prices: {"cpu": "0.04", "ram": "0.002", "storage": 0.001, "currency": "EUR"}
"""


def test_main_applies_the_stack_prices_then_finds_nothing_to_do(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
    connections: list[dict[str, Any]],
) -> None:
    _project(tmp_path, {"prod": PROD})
    monkeypatch.chdir(tmp_path)

    assert main([]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "billing: prices cpu 0.04, ram 0.002, storage 0.001 "
        "(from Pulumi.prod.yaml (saas-multitenant:prices))"
    )
    assert "billing: cpu: service created" in out
    assert "billing: cpu: mapping 0.04 created" in out
    assert "billing: storage: mapping 0.001 created" in out
    assert "billing: hashmap module enabled" in out
    assert out[-1] == "billing: 7 change(s)"
    assert cloudkitty.costs() == {
        "cpu": ["0.04000000"],
        "ram": ["0.00200000"],
        "storage": ["0.00100000"],
    }

    assert main([]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "billing: up to date, nothing changed"
    assert len(out) == 2


def test_the_stack_is_chosen_by_flag_or_pulumi_stack(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    connections: list[dict[str, Any]],
) -> None:
    other = PROD.replace('"cpu": "0.04"', '"cpu": "0.09"')
    _project(tmp_path, {"prod": PROD, "staging": other})
    monkeypatch.chdir(tmp_path)

    assert main(["--dry-run", "--stack", "staging"]) == 0
    assert "cpu 0.09" in capsys.readouterr().out
    monkeypatch.setenv("PULUMI_STACK", "acme-org/saas-multitenant/prod")
    assert main(["--dry-run"]) == 0
    assert "cpu 0.04" in capsys.readouterr().out
    monkeypatch.delenv("PULUMI_STACK")
    assert main(["--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: several stacks (Pulumi.prod.yaml, Pulumi.staging.yaml)")


def test_missing_prices_in_the_stack_take_the_defaults(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    connections: list[dict[str, Any]],
) -> None:
    _project(tmp_path, {"prod": 'config:\n  saas-multitenant:prices: {"ram": "0.003"}\n'})
    spec = {
        "parameters": [
            {
                "name": "prices",
                "config_key": "prices",
                "type": "object",
                "fields": [
                    {"name": "cpu", "default": "0.05"},
                    {"name": "ram", "default": "0.00001"},
                    {"name": "storage", "default": "0.0006"},
                ],
            }
        ]
    }
    (tmp_path / "config-spec.json").write_text(json.dumps(spec))
    monkeypatch.chdir(tmp_path)

    assert main(["--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "billing: prices cpu 0.05, ram 0.003, storage 0.0006" in out


def test_dry_run_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
    connections: list[dict[str, Any]],
) -> None:
    _project(tmp_path, {"prod": PROD})
    monkeypatch.chdir(tmp_path)

    assert main(["--dry-run"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert "billing: plan: cpu: mapping 0.04 to create" in out
    assert out[-1] == "billing: dry run, 7 change(s) planned, none made"
    assert cloudkitty.changes() == []


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_prices_file_wins_over_the_stack(
    suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
    connections: list[dict[str, Any]],
) -> None:
    monkeypatch.chdir(tmp_path)  # no Pulumi.yaml here: the file alone is enough
    prices = tmp_path / f"prices{suffix}"
    if suffix == ".json":
        prices.write_text('{"cpu": 0.02, "ram": 0.001, "storage": 0.0005, "currency": "EUR"}')
    else:
        prices.write_text("cpu: 0.02\nram: 0.001\nstorage: 0.0005\ncurrency: EUR\n")

    assert main(["--prices", str(prices)]) == 0

    assert capsys.readouterr().out.splitlines()[-1] == "billing: 7 change(s)"
    assert cloudkitty.costs() == {
        "cpu": ["0.02000000"],
        "ram": ["0.00100000"],
        "storage": ["0.00050000"],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cpu": -0.02, "ram": 0.001, "storage": 0.0005}', "prices.cpu: must be a non-negative"),
        ('{"cpu": 0.02, "ram": "cheap", "storage": 0.0005}', "prices.ram: must be a non-negative"),
        ('{"cpu": 0.02, "ram": true, "storage": 0.0005}', "prices.ram: must be a non-negative"),
        ('{"cpu": 0.02, "ram": null, "storage": 0.0005}', "prices.ram: must be a non-negative"),
        ('{"cpu": 0.02, "ram": 0.001}', "prices.storage is missing"),
        ('{"cpu": 0.02, "ram": 0.001, "storage": "NaN"}', "prices.storage: must be a non-neg"),
        ('{"cpu": 0.000000001, "ram": 0.001, "storage": 0.1}', "more than 8 decimal places"),
        ('{"cpus": 0.02, "cpu": 1, "ram": 0.001, "storage": 0.1}', 'unknown key "cpus"'),
        ("[0.02, 0.001, 0.0005]", "prices must be an object"),
        ("cpu: [unclosed", "not valid JSON or YAML"),
    ],
)
def test_bad_prices_are_one_error_line_and_exit_2(
    text: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    connections: list[dict[str, Any]],
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(text)

    assert main(["--prices", str(prices)]) == 2

    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: prices.json: ")
    assert message in lines[0]
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert connections == [], "prices are checked before connecting"


def test_a_bad_price_in_the_stack_names_the_stack_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    connections: list[dict[str, Any]],
) -> None:
    _project(tmp_path, {"prod": PROD.replace('"cpu": "0.04"', '"cpu": "-1"')})
    monkeypatch.chdir(tmp_path)

    assert main([]) == 2

    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: Pulumi.prod.yaml (saas-multitenant:prices): prices.cpu: "
        'must be a non-negative number, got "-1"'
    ]


def test_no_project_and_no_prices_file_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main([]) == 2

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: no Pulumi.yaml in ")


# ---------------------------------------------------------------------------------------------
# connection


def test_system_scope_when_no_scope_variable_is_set(connections: list[dict[str, Any]]) -> None:
    connect({"OS_AUTH_URL": "https://keystone.example/v3", "OS_USERNAME": "admin"})

    assert connections == [{"system_scope": "all"}]


@pytest.mark.parametrize("variable", ["OS_CLOUD", "OS_PROJECT_NAME", "OS_SYSTEM_SCOPE"])
def test_a_chosen_scope_is_left_to_openstacksdk(
    variable: str, connections: list[dict[str, Any]]
) -> None:
    connect({"OS_AUTH_URL": "https://keystone.example/v3", variable: "x"})

    assert connections == [{}]


def test_main_connects_with_system_scope_from_the_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    connections: list[dict[str, Any]],
) -> None:
    monkeypatch.setenv("OS_AUTH_URL", "https://keystone.example/v3")

    assert main(["--show"]) == 0

    assert connections == [{"system_scope": "all"}]


def test_no_rating_service_in_the_catalog_is_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
) -> None:
    monkeypatch.setattr(
        openstack, "connect", lambda **kwargs: FakeConnection(cloudkitty, endpoint=None)
    )
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({k: str(v) for k, v in PRICES.items()}))

    assert main(["--prices", str(prices)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: the service catalog has no public rating endpoint")
    assert cloudkitty.requests == []


def test_a_cloudkitty_refusal_is_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
    connections: list[dict[str, Any]],
) -> None:
    cloudkitty.refused = {"POST"}
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({k: str(v) for k, v in PRICES.items()}))

    assert main(["--prices", str(prices)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: POST {HASHMAP}/services: HTTP 403: Access was denied to this resource."]
    assert cloudkitty.services == {}


# ---------------------------------------------------------------------------------------------
# --show


def test_show_prints_the_rules_and_a_one_unit_quote(
    capsys: pytest.CaptureFixture[str],
    cloudkitty: FakeCloudKitty,
    connections: list[dict[str, Any]],
    client: CloudKittyClient,
) -> None:
    apply(client, PRICES)
    cloudkitty.requests.clear()

    assert main(["--show"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "billing: hashmap module: enabled"
    assert any(line.startswith("billing: cpu: flat 0.02 (mapping ") for line in out)
    assert out[-3:] == [
        "billing: quote for 1 cpu: 0.02",
        "billing: quote for 1 ram: 0.001",
        "billing: quote for 1 storage: 0.0005",
    ]
    quotes = [body for m, p, body in cloudkitty.requests if p == "/v1/rating/quote"]
    assert quotes[0] == {"resources": [{"service": "cpu", "desc": {}, "volume": "1"}]}
    assert cloudkitty.changes() == [("POST", "/v1/rating/quote", q) for q in quotes]
