"""The dashboard's settings, read from environment variables with clear errors."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from .cost import Prices

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DOMAIN = "Default"
DEFAULT_TENANT_TAG = "osbp-tenant"
PRICE_KEYS = ("cpu", "ram", "storage")
HASH_METHODS = ("scrypt", "pbkdf2")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class ConfigError(ValueError):
    """An environment variable holds a value the dashboard cannot use."""


@dataclass(frozen=True)
class Config:
    """Everything the dashboard reads from its environment."""

    secret_key: str
    secret_key_generated: bool
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    domain: str = DEFAULT_DOMAIN
    auth_url: str | None = None
    region: str | None = None
    interface: str = "public"
    endpoint_cloud: str | None = None
    operator_cloud: str | None = None
    operator_password_hash: str | None = None
    prices: Prices | None = None
    tenant_tag: str = DEFAULT_TENANT_TAG
    cookie_secure: bool = True


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"DASHBOARD_PORT must be an integer, not {value!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"DASHBOARD_PORT must be between 1 and 65535, not {port}")
    return port


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ConfigError(f"{name} must be one of {', '.join(TRUE + FALSE)}, not {value!r}")


DECIMAL = re.compile(r"[0-9]{1,9}(\.[0-9]{1,12})?")
"""A price written as text: digits, optionally a point and more digits."""


def parse_prices(value: str) -> Prices:
    """``{"cpu": 0.02, "ram": 0.001, "storage": 0.0005}``: prices per unit per hour."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigError(f"DASHBOARD_PRICES is not valid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError('DASHBOARD_PRICES must be a JSON object like {"cpu": 0.02, ...}')
    unknown = sorted(set(data) - set(PRICE_KEYS))
    if unknown:
        raise ConfigError(
            f"DASHBOARD_PRICES has unknown keys {', '.join(unknown)} "
            f"(known: {', '.join(PRICE_KEYS)})"
        )
    missing = [key for key in PRICE_KEYS if key not in data]
    if missing:
        raise ConfigError(f"DASHBOARD_PRICES lacks {', '.join(missing)}")
    prices: dict[str, float] = {}
    for key in PRICE_KEYS:
        price = data[key]
        if isinstance(price, str) and DECIMAL.fullmatch(price):
            price = float(price)  # the stack's prices are decimal strings, as CloudKitty's
        if isinstance(price, bool) or not isinstance(price, int | float):
            raise ConfigError(f"DASHBOARD_PRICES[{key!r}] must be a number, not {price!r}")
        if not math.isfinite(price) or price < 0:
            raise ConfigError(f"DASHBOARD_PRICES[{key!r}] must be a non-negative number")
        prices[key] = float(price)
    return Prices(cpu=prices["cpu"], ram=prices["ram"], storage=prices["storage"])


def parse_password_hash(value: str) -> str:
    """A werkzeug ``generate_password_hash`` value: ``method$salt$hash``."""
    parts = value.split("$")
    method = parts[0].split(":")[0]
    if len(parts) != 3 or method not in HASH_METHODS or not parts[1] or not parts[2]:
        raise ConfigError(
            "DASHBOARD_OPERATOR_PASSWORD_HASH must be a werkzeug password hash "
            "(python -c 'from werkzeug.security import generate_password_hash as g; "
            "print(g(input()))'), not a plain password"
        )
    return value


def load_config(env: Mapping[str, str]) -> Config:
    """The configuration from ``env`` (``os.environ``); raises ConfigError on a bad value."""
    secret = _text(env, "DASHBOARD_SECRET_KEY")
    if secret is not None and len(secret) < 16:
        raise ConfigError("DASHBOARD_SECRET_KEY must be at least 16 characters")
    port = _text(env, "DASHBOARD_PORT")
    prices = _text(env, "DASHBOARD_PRICES")
    password_hash = _text(env, "DASHBOARD_OPERATOR_PASSWORD_HASH")
    secure = _text(env, "DASHBOARD_COOKIE_SECURE")
    return Config(
        secret_key=secret or secrets.token_urlsafe(32),
        secret_key_generated=secret is None,
        host=_text(env, "DASHBOARD_HOST") or DEFAULT_HOST,
        port=parse_port(port) if port else DEFAULT_PORT,
        domain=_text(env, "DASHBOARD_DOMAIN") or DEFAULT_DOMAIN,
        auth_url=_text(env, "OS_AUTH_URL"),
        region=_text(env, "OS_REGION_NAME"),
        interface=_text(env, "OS_INTERFACE") or "public",
        endpoint_cloud=_text(env, "DASHBOARD_CLOUD"),
        operator_cloud=_text(env, "DASHBOARD_OPERATOR_CLOUD"),
        operator_password_hash=parse_password_hash(password_hash) if password_hash else None,
        prices=parse_prices(prices) if prices else None,
        tenant_tag=_text(env, "DASHBOARD_TENANT_TAG") or DEFAULT_TENANT_TAG,
        cookie_secure=parse_bool("DASHBOARD_COOKIE_SECURE", secure) if secure else True,
    )
