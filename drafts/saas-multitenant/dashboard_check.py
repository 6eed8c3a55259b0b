"""The usage dashboard against the local cloud, in a real headless browser.

The flow starts the generated project's dashboard (``python -m dashboard``, its README's
runbook) on a free loopback port, signs in as a tenant through the login form in Chromium
(Selenium + chromium-driver, both from the distribution and PyPI), and reads the page the
browser rendered. The screenshot is kept as the run's artifact.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    quotas: list[list[str]]
    volumes: list[list[str]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard(project: Path, auth_url: str, region: str, prices: dict[str, str]) -> Iterator[str]:
    """The project's dashboard on 127.0.0.1, as its runbook starts it; yields its URL."""
    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OS_", "DASHBOARD_"))
    }
    env.update(
        OS_AUTH_URL=auth_url,
        OS_REGION_NAME=region,
        DASHBOARD_PORT=str(port),
        DASHBOARD_SECRET_KEY=secrets.token_urlsafe(32),
        DASHBOARD_PRICES=json.dumps({k: float(v) for k, v in prices.items()}),
    )
    log = (project / "dashboard.log").open("w")
    process = subprocess.Popen(
        [str(project / "venv" / "bin" / "python"), "-m", "dashboard"],
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AssertionError(
                        "the dashboard did not start: " + (project / "dashboard.log").read_text()
                    ) from None
                time.sleep(1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def sign_in(url: str, user: str, password: str, project: str, screenshot: Path) -> Rendered:
    """Log in through the form in headless Chromium; the usage page as the browser shows it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1400"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        browser.get(f"{url}/login")
        browser.find_element(By.NAME, "username").send_keys(user)
        browser.find_element(By.NAME, "password").send_keys(password)
        browser.find_element(By.NAME, "project").send_keys(project)
        browser.find_element(By.CSS_SELECTOR, "form button, form input[type=submit]").click()
        WebDriverWait(browser, 120).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.quotas"))
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(screenshot))
        return Rendered(
            html=browser.page_source,
            text=browser.find_element(By.TAG_NAME, "body").text,
            quotas=_rows(browser, "table.quotas"),
            volumes=_rows(browser, "table.volumes"),
        )
    finally:
        browser.quit()


def _rows(browser: Any, selector: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    tables = browser.find_elements(By.CSS_SELECTOR, selector)
    if not tables:
        return []
    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in tables[0].find_elements(By.TAG_NAME, "tr")[1:]
    ]
