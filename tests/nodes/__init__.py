"""Node tests: boot each node role of a baked blueprint in qemu VMs with the generated cloud-init.

Run with ``python -m tests.nodes`` from the repository root (or ``make nodes``).
"""
