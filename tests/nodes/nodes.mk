# Node tests: boot each node role of a baked blueprint in qemu VMs with the generated cloud-init
# and check the services from the host. Included from the top Makefile; paths are computed from
# this fragment's own directory. Needs root, qemu-system-x86, qemu-utils, mmdebstrap,
# cloud-image-utils, dpkg-dev (see tests/nodes/README.md).
NODES_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
NODES_ROOT := $(abspath $(NODES_DIR)/../..)
NODES_PYTHON ?= $(NODES_ROOT)/.venv/bin/python
NODES_BLUEPRINT ?= wordpress-3tier

NODES_PACKAGES := qemu-system-x86 qemu-utils mmdebstrap cloud-image-utils dpkg-dev openssh-client

.PHONY: nodes nodes-negative nodes-deps

## make nodes-deps  Debian packages the node tests need (qemu, mmdebstrap...)
nodes-deps:
	@missing=$$(for p in $(NODES_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi

## make nodes       boot the blueprint's node roles in qemu VMs and check them (warm ~5 min)
nodes: install nodes-deps
	cd $(NODES_ROOT) && $(NODES_PYTHON) -m tests.nodes $(NODES_BLUEPRINT)

## make nodes-negative  negative control: a wrong DB password must make the checks fail
nodes-negative: install nodes-deps
	cd $(NODES_ROOT) && $(NODES_PYTHON) -m tests.nodes $(NODES_BLUEPRINT) --negative
