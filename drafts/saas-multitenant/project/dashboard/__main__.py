"""``python -m dashboard``: serve the dashboard (127.0.0.1:8000 unless DASHBOARD_HOST/PORT)."""

from __future__ import annotations

import logging
import os
import sys

from .app import create_app
from .config import ConfigError, load_config


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(os.environ)
        app = create_app(config)
    except ConfigError as error:
        print(f"dashboard: {error}", file=sys.stderr)
        return 2
    app.run(host=config.host, port=config.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
