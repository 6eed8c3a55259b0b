#!/usr/bin/python3
"""Run one Swift WSGI server (proxy, account, container or object) from the sandbox.

Usage: swift_launcher.py SERVER_TYPE CONF_FILE     e.g. swift_launcher.py proxy-server proxy.conf

Two things Debian's daemon packages would otherwise provide: swift.conf is read from
$SWIFT_DIR instead of /etc/swift, and logs go to stderr (captured in the sandbox log dir)
instead of syslog, which does not exist here.
"""

import logging
import os
import sys

from swift.common import utils


class StderrHandler(logging.StreamHandler):
    """Stands in for Swift's syslog handler; accepts and ignores its address/facility."""

    def __init__(self, address=None, facility=None, socktype=None):
        super().__init__(sys.stderr)


def main(server_type, conf_file):
    utils.ThreadSafeSysLogHandler = StderrHandler
    utils.set_swift_dir(os.environ["SWIFT_DIR"])  # hash path suffix + storage policies
    from swift.common.wsgi import run_wsgi

    sys.exit(run_wsgi(conf_file, server_type))


if __name__ == "__main__":
    main(*sys.argv[1:3])
