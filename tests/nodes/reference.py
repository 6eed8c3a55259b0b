"""Stand-in deployment from the hand-written reference seeds (used before the generator existed).

``python -m tests.nodes --reference DIR`` boots DIR/seeds/{db,web}/user-data.tmpl as roles
``mysql`` and ``wordpress``; it exercises the VM machinery and checks without a generated project.
"""

import ipaddress
from pathlib import Path

from .spec import DataDisk, Deployment, NodeSpec


def deployment_from_reference(ref: Path, ssh_public_key: str) -> Deployment:
    def user_data(name: str) -> str:
        text = (ref / "seeds" / name / "user-data.tmpl").read_text()
        return text.replace("@SSH_KEY@", ssh_public_key)

    nodes = [
        NodeSpec("mysql", "wp-db", user_data("db"), ipaddress.ip_interface("10.0.2.10/24"),
                 [DataDisk("cinder-vol-0001", 4)]),
        NodeSpec("wordpress", "wp-web", user_data("web"), ipaddress.ip_interface("10.0.1.10/24")),
    ]  # fmt: skip
    return Deployment("wordpress-3tier", nodes, {"db_password": "wp-Pr0be-s3cret"})
