"""The Flask application: tenant login and usage page, operator login and tenants page.

``create_app(config, cloud)`` takes the cloud as a dependency (tests pass a fake); with
none it reads the environment and talks to OpenStack through openstacksdk. The session
cookie is signed and carries a tenant's project-scoped token (never its password), or
the mark of an operator login; every POST needs the session's CSRF token.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask, abort, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from .cloud import AuthenticationError, Cloud, CloudError, TokenExpiredError
from .config import Config, load_config
from .report import Report, build_report

log = logging.getLogger(__name__)

OPERATOR_SESSION_SECONDS = 8 * 3600
MAX_PERIOD_DAYS = 366
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class PeriodError(ValueError):
    """The period asked for in the query string is not usable."""


@dataclass(frozen=True)
class TenantSession:
    token: str
    project_id: str
    project_name: str
    username: str


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    first_day: str
    last_day: str


def parse_period(start_text: str, end_text: str, now: datetime) -> Period:
    """Whole UTC days from start to end included (default: this month), ending by now."""
    now = now.astimezone(UTC)
    today = now.date()
    try:
        start_day = date.fromisoformat(start_text) if start_text else today.replace(day=1)
        end_day = date.fromisoformat(end_text) if end_text else today
    except ValueError:
        raise PeriodError("dates must be written YYYY-MM-DD") from None
    if start_day > end_day:
        raise PeriodError("the period starts after it ends")
    if start_day > today:
        raise PeriodError("the period starts in the future")
    if (end_day - start_day).days >= MAX_PERIOD_DAYS:
        raise PeriodError(f"the period is longer than {MAX_PERIOD_DAYS} days")
    return Period(
        start=datetime.combine(start_day, time(), UTC),
        end=min(datetime.combine(end_day + timedelta(days=1), time(), UTC), now),
        first_day=start_day.isoformat(),
        last_day=end_day.isoformat(),
    )


def number(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(400, description="Missing or wrong CSRF token: reload the form and try again.")


def current_tenant() -> TenantSession | None:
    if session.get("kind") != "tenant":
        return None
    expires = session.get("expires")
    if isinstance(expires, int | float) and expires <= clock_time.time():
        session.clear()
        return None
    fields = [session.get(key) for key in ("token", "project_id", "project_name", "username")]
    if not all(isinstance(value, str) and value for value in fields):
        session.clear()
        return None
    token, project_id, project_name, username = (str(value) for value in fields)
    return TenantSession(token, project_id, project_name, username)


def is_operator() -> bool:
    since = session.get("operator_since")
    if session.get("kind") != "operator" or not isinstance(since, int | float):
        return False
    if clock_time.time() - since > OPERATOR_SESSION_SECONDS:
        session.clear()
        return False
    return True


def create_app(
    config: Config | None = None,
    cloud: Cloud | None = None,
    clock: Callable[[], datetime] = now_utc,
) -> Flask:
    """The dashboard; with no config it reads the environment, with no cloud OpenStack."""
    if config is None:
        config = load_config(os.environ)
    if cloud is None:
        from .cloud import OpenStackCloud

        cloud = OpenStackCloud(config)
    if config.secret_key_generated:
        log.warning(
            "DASHBOARD_SECRET_KEY is not set: using a random key, so sessions end when the "
            "process restarts and are not shared between worker processes"
        )
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.cookie_secure,
        MAX_CONTENT_LENGTH=16 * 1024,
    )
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["number"] = number
    the_cloud: Cloud = cloud
    settings: Config = config

    @app.before_request
    def protect_forms() -> None:
        if request.method == "POST":
            check_csrf()

    @app.after_request
    def security_headers(response: Response) -> Response:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("error.html", code=code, message=error.description), code

    @app.errorhandler(Exception)
    def internal_error(error: Exception) -> tuple[str, int]:
        log.exception("unexpected error", exc_info=error)
        return render_template("error.html", code=500, message="Internal error."), 500

    @app.get("/healthz")
    def healthz() -> tuple[str, int, dict[str, str]]:
        return "ok\n", 200, {"Content-Type": "text/plain"}

    @app.get("/login")
    def login_form() -> str:
        return render_template("login.html", domain=settings.domain)

    @app.post("/login")
    def login() -> Response | tuple[str, int]:
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        project = request.form.get("project", "").strip()
        if not username or not password or not project:
            message = "User name, password and project are all needed."
            page = render_template("login.html", domain=settings.domain, message=message)
            return page, 400
        try:
            granted = the_cloud.login(username, password, project, settings.domain)
        except AuthenticationError as error:
            page = render_template(
                "login.html", domain=settings.domain, message=f"Login failed: {error}."
            )
            return page, 401
        except CloudError as error:
            page = render_template("login.html", domain=settings.domain, message=str(error))
            return page, 502
        session.clear()
        session.update(
            kind="tenant",
            token=granted.token,
            project_id=granted.project_id,
            project_name=granted.project_name,
            username=granted.username,
            expires=granted.expires_at.timestamp() if granted.expires_at else None,
        )
        return redirect(url_for("usage"))

    @app.post("/logout")
    def logout() -> Response:
        operator = session.get("kind") == "operator"
        session.clear()
        return redirect(url_for("operator_login_form" if operator else "login_form"))

    def asked_period() -> tuple[Period | None, dict[str, str]]:
        """The period of the query string, and the form's values (None, message on error)."""
        start_text = request.args.get("start", "").strip()
        end_text = request.args.get("end", "").strip()
        try:
            period = parse_period(start_text, end_text, clock())
        except PeriodError as error:
            return None, {"start": start_text, "end": end_text, "message": str(error)}
        return period, {"start": period.first_day, "end": period.last_day}

    @app.get("/")
    def usage() -> Response | tuple[str, int]:
        tenant = current_tenant()
        if tenant is None:
            return redirect(url_for("operator" if is_operator() else "login_form"))
        period, shown = asked_period()
        if period is None:
            return render_template("usage.html", tenant=tenant, report=None, **shown), 400
        try:
            view = the_cloud.tenant_view(tenant.token, tenant.project_id)
            report = build_report(
                view, tenant.project_name, period.start, period.end, settings.prices
            )
        except TokenExpiredError:
            session.clear()
            message = "Your session has expired: please log in again."
            return render_template("login.html", domain=settings.domain, message=message), 401
        except CloudError as error:
            page = render_template(
                "usage.html", tenant=tenant, report=None, message=str(error), **shown
            )
            return page, 502
        return render_template("usage.html", tenant=tenant, report=report, **shown), 200

    @app.get("/operator/login")
    def operator_login_form() -> str:
        if not settings.operator_password_hash:
            abort(404, description="The operator login is not configured.")
        return render_template("operator_login.html")

    @app.post("/operator/login")
    def operator_login() -> Response | tuple[str, int]:
        if not settings.operator_password_hash:
            abort(404, description="The operator login is not configured.")
        password = request.form.get("password", "")
        try:
            right = bool(password) and check_password_hash(
                settings.operator_password_hash, password
            )
        except ValueError:  # a hash method this Werkzeug does not know (scrypt before 2.3)
            log.error("DASHBOARD_OPERATOR_PASSWORD_HASH: method unknown to this Werkzeug")
            message = "The operator password hash cannot be checked here (hash method)."
            return render_template("operator_login.html", message=message), 500
        if not right:
            return render_template("operator_login.html", message="Wrong password."), 401
        session.clear()
        session.update(kind="operator", operator_since=clock_time.time())
        return redirect(url_for("operator"))

    @app.get("/operator")
    def operator() -> Response | tuple[str, int]:
        if session.get("kind") == "tenant":
            abort(403, description="The operator view is not open to tenant sessions.")
        if not is_operator():
            return redirect(url_for("operator_login_form"))
        period, shown = asked_period()
        if period is None:
            return render_template("operator.html", reports=[], **shown), 400
        try:
            projects = the_cloud.operator_projects(settings.tenant_tag)
        except CloudError as error:
            return render_template("operator.html", reports=[], message=str(error), **shown), 502
        reports: list[Report] = []
        for project in projects:
            try:
                view = the_cloud.operator_view(project.id)
                report = build_report(view, project.name, period.start, period.end, settings.prices)
            except CloudError as error:  # this tenant's row shows the reason
                report = Report(
                    project.id, project.name, period.start, period.end, errors=(str(error),)
                )
            reports.append(report)
        return render_template("operator.html", reports=reports, **shown), 200

    return app
