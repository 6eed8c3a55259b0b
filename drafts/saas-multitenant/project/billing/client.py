"""CloudKitty's v1 rating API over a keystoneauth-like session, the few calls billing needs.

The only module that sends HTTP: everything else takes a ``CloudKittyClient`` and can be
tested against a fake session. Every refusal or odd answer becomes one ``CloudKittyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlencode

from billing.prices import decimal_text, shown

MODULE = "hashmap"
RATING_FILTER: dict[str, str] = {"service_type": "rating", "interface": "public"}
HASHMAP = "/v1/rating/module_config/hashmap"


class CloudKittyError(RuntimeError):
    """CloudKitty refused a request or answered something unexpected (one line)."""


class Response(Protocol):
    """What is read of a response (``requests.Response`` has it)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Session(Protocol):
    """A keystoneauth ``Session`` as far as this module uses it."""

    def get(self, url: str, **kwargs: Any) -> Response: ...

    def post(self, url: str, **kwargs: Any) -> Response: ...

    def put(self, url: str, **kwargs: Any) -> Response: ...

    def delete(self, url: str, **kwargs: Any) -> Response: ...


class CloudKittyClient:
    """CloudKitty's v1 rating API, the calls billing needs.

    ``endpoint`` is the rating service's URL (``conn.endpoint_for("rating")``); when empty the
    session resolves it from the catalog with ``endpoint_filter``. Requests are sent with
    ``raise_exc=False`` and checked here, so every refusal becomes one ``CloudKittyError``.
    """

    def __init__(
        self,
        session: Session,
        endpoint: str = "",
        endpoint_filter: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.endpoint = endpoint_root(endpoint) if endpoint else ""
        self.endpoint_filter = dict(RATING_FILTER if endpoint_filter is None else endpoint_filter)

    # -- modules --------------------------------------------------------------------------

    def get_module(self, module: str = MODULE) -> dict[str, Any]:
        return self._object(self._request("GET", f"/v1/rating/modules/{module}"), "module")

    def enable_module(self, module: str = MODULE) -> None:
        # CloudKitty wants the module's id in the body too (400 without it)
        self._request("PUT", f"/v1/rating/modules/{module}", {"module_id": module, "enabled": True})

    # -- services -------------------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        return self._list(self._request("GET", f"{HASHMAP}/services"), "services")

    def create_service(self, name: str) -> dict[str, Any]:
        service = self._object(
            self._request("POST", f"{HASHMAP}/services", {"name": name}), "service"
        )
        if not isinstance(service.get("service_id"), str):
            raise CloudKittyError(f"POST {HASHMAP}/services: no service_id in the answer")
        return service

    # -- mappings -------------------------------------------------------------------------

    def mappings(self, service_id: str) -> list[dict[str, Any]]:
        query = urlencode({"service_id": service_id})
        return self._list(self._request("GET", f"{HASHMAP}/mappings?{query}"), "mappings")

    def create_mapping(self, service_id: str, cost: Decimal) -> dict[str, Any]:
        body = {"service_id": service_id, "cost": decimal_text(cost), "type": "flat"}
        return self._object(self._request("POST", f"{HASHMAP}/mappings", body), "mapping")

    def update_mapping(self, mapping: Mapping[str, Any], cost: Decimal) -> None:
        """PUT the whole mapping with its new cost (CloudKitty answers 302 Found)."""
        mapping_id = mapping.get("mapping_id")
        if not isinstance(mapping_id, str):
            raise CloudKittyError("a mapping to update needs its mapping_id")
        body = {**mapping, "cost": decimal_text(cost)}
        query = urlencode({"mapping_id": mapping_id})
        self._request("PUT", f"{HASHMAP}/mappings?{query}", body)

    def delete_mapping(self, mapping_id: str) -> None:
        query = urlencode({"mapping_id": mapping_id})
        self._request("DELETE", f"{HASHMAP}/mappings?{query}")

    # -- quote ----------------------------------------------------------------------------

    def quote(self, service: str, volume: Decimal = Decimal(1)) -> Decimal:
        """The price CloudKitty computes for ``volume`` units of ``service``."""
        body = {"resources": [{"service": service, "desc": {}, "volume": decimal_text(volume)}]}
        answer = self._request("POST", "/v1/rating/quote", body)
        try:
            if isinstance(answer, bool) or not isinstance(answer, int | float | str):
                raise InvalidOperation
            return Decimal(str(answer))
        except InvalidOperation:
            raise CloudKittyError(
                f"POST /v1/rating/quote: expected a number, got {shown(answer)}"
            ) from None

    # -- plumbing -------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: object = None) -> Any:
        url = self.endpoint + path
        kwargs: dict[str, Any] = {"endpoint_filter": self.endpoint_filter, "raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        if method == "PUT":
            # CloudKitty answers a PUT with 302 Found; following it would send the PUT again.
            kwargs["redirect"] = False
        send = {
            "GET": self.session.get,
            "POST": self.session.post,
            "PUT": self.session.put,
            "DELETE": self.session.delete,
        }[method]
        response = send(url, **kwargs)
        status = response.status_code
        if not (200 <= status < 300 or status == 302):
            raise CloudKittyError(f"{method} {path}: HTTP {status}: {_fault(response)}")
        if method in ("PUT", "DELETE") or status in (204, 302):
            return None
        try:
            return response.json()
        except ValueError:
            raise CloudKittyError(f"{method} {path}: the answer is not JSON") from None

    @staticmethod
    def _object(answer: Any, what: str) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise CloudKittyError(f"expected a {what} object, got {shown(answer)}")
        return answer

    @staticmethod
    def _list(answer: Any, key: str) -> list[dict[str, Any]]:
        items = answer.get(key) if isinstance(answer, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            expected = "{" + repr(key) + ": [...]}"
            raise CloudKittyError(f"expected {expected}, got {shown(answer)}")
        return items


def endpoint_root(endpoint: str) -> str:
    """The rating endpoint without a trailing slash or API version (paths start at /v1)."""
    root = endpoint.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def _fault(response: Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for key in ("faultstring", "message", "error"):
            if isinstance(answer.get(key), str):
                return " ".join(str(answer[key]).split())
    text = " ".join((response.text or "").split())
    return text[:200] or "no detail"
