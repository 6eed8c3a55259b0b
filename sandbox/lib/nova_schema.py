#!/usr/bin/python3
"""Nova's schema set-up in one process.

Same steps as `nova-manage api_db sync`, `cell_v2 map_cell0`, `cell_v2 create_cell --name
cell1` and `db sync`, but Nova is imported once instead of four times (each nova-manage run
spends most of its time importing; on a busy 2-core machine that is ~10 s apiece).
Idempotent.  Usage: nova_schema.py NOVA_CONF CELL0_DB_URL
"""

import sys

from nova import config, context, objects
from nova.cmd import manage


def main(conf_file, cell0_url):
    config.parse_args(["nova-manage", "--config-file", conf_file])
    objects.register_all()
    manage.ApiDbCommands().sync()
    cells = manage.CellV2Commands()
    cells.map_cell0(database_connection=cell0_url)
    existing = {c.name for c in objects.CellMappingList.get_all(context.get_admin_context())}
    if "cell1" not in existing and cells.create_cell(name="cell1") != 0:
        sys.exit("creating cell1 failed")
    manage.DbCommands().sync()  # the cell1 database, then cell0's


if __name__ == "__main__":
    main(*sys.argv[1:3])
