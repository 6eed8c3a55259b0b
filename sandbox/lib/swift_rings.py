#!/usr/bin/python3
"""Build Swift's account, container and object rings: one device each, one replica.

Usage: swift_rings.py SWIFT_DIR   (writes SWIFT_DIR/{account,container,object}.ring.gz)
"""

import os
import sys

from swift.common.ring import RingBuilder

PORTS = {"object": 6200, "container": 6201, "account": 6202}


def build(swift_dir, kind, port):
    builder = RingBuilder(part_power=6, replicas=1, min_part_hours=1)
    builder.add_dev(
        {
            "id": 0,
            "region": 1,
            "zone": 1,
            "ip": "127.0.0.1",
            "port": port,
            "device": "d0",
            "weight": 100.0,
            "meta": "",
        }
    )
    builder.rebalance()
    builder.save(os.path.join(swift_dir, f"{kind}.builder"))
    builder.get_ring().save(os.path.join(swift_dir, f"{kind}.ring.gz"))


if __name__ == "__main__":
    for kind, port in PORTS.items():
        build(sys.argv[1], kind, port)
