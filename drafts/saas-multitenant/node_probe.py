"""HTTP probes the node checks run on a booted node (standard library only: the nodes carry
python3, not curl).

    python3 node_probe.py get URL              -> "<status>" line, then the body (status 0:
                                                  no answer); HTTPS certificates unverified
    python3 node_probe.py loop URL SECONDS     -> one "<epoch seconds> <status>" line per
                                                  request, every 0.2 s, 1 s timeout each
    python3 node_probe.py login BASE USER PASSWORD PROJECT [--no-csrf]
                                               -> the login form's POST as a browser sends it
                                                  (cookie, CSRF token), redirects followed
"""

from __future__ import annotations

import http.cookiejar
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE  # the dashboard's self-signed certificate


def opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.HTTPSHandler(context=INSECURE),
    )


def fetch(
    session: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None,
    timeout: float = 20,
) -> tuple[int, str]:  # fmt: skip
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with session.open(url, data=data, timeout=timeout) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, urllib.error.URLError):
        return 0, ""


def loop(url: str, seconds: float) -> None:
    session, end = opener(), time.time() + seconds
    while time.time() < end:
        status, _ = fetch(session, url, timeout=1)
        print(f"{time.time():.3f} {status}", flush=True)
        time.sleep(0.2)


def login(base: str, user: str, password: str, project: str, csrf: bool) -> tuple[int, str]:
    session = opener()
    _, form = fetch(session, f"{base}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    fields = {"username": user, "password": password, "project": project}
    if csrf:
        if token is None:
            return -1, "no CSRF token on the login page"
        fields["csrf_token"] = token.group(1)
    return fetch(session, f"{base}/login", fields)


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "get":
        status, body = fetch(opener(), args[0])
    elif command == "loop":
        loop(args[0], float(args[1]))
        return
    elif command == "login":
        status, body = login(*args[:4], csrf="--no-csrf" not in args)
    else:
        raise SystemExit(f"unknown command {command}")
    print(status)
    print(body)


if __name__ == "__main__":
    main(sys.argv[1:])
