# Node tests: boot each node role of every blueprint in qemu VMs with the generated cloud-init
# and check the services from the host. Included from the top Makefile; paths are computed from
# this fragment's own directory. Needs root, qemu-system-x86, qemu-utils, mmdebstrap,
# cloud-image-utils, dpkg-dev (see tests/nodes/README.md).
NODES_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
NODES_ROOT := $(abspath $(NODES_DIR)/../..)
NODES_PYTHON ?= $(NODES_ROOT)/.venv/bin/python
# BLUEPRINTS="a b" picks blueprints of the catalog; empty = all of them
BLUEPRINTS ?=
NODES_CATALOG = $(shell cd $(NODES_ROOT) && $(NODES_PYTHON) -c 'from generator.catalog import list_blueprints; print(" ".join(b.name for b in list_blueprints()))')
NODES_NAMES = $(or $(BLUEPRINTS),$(NODES_CATALOG))

NODES_PACKAGES := qemu-system-x86 qemu-utils mmdebstrap cloud-image-utils dpkg-dev openssh-client

.PHONY: nodes nodes-images nodes-negative nodes-deps

## make nodes-deps  Debian packages the node tests need (qemu, mmdebstrap...)
nodes-deps:
	@missing=$$(for p in $(NODES_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi

## make nodes       boot every blueprint's nodes in qemu VMs and check them (BLUEPRINTS=... to pick)
# One harness run per blueprint, each on the image of its own nodes' packages: a passing suite
# stays reusable (its key names its image) when another blueprint's packages change. Every
# suite runs even when one fails; the target fails if any did.
nodes: install nodes-deps
	@$(call each_blueprint,nodes,,all passed)

## make nodes-images build (or find cached) each blueprint's node image, boot nothing
# What .ci/prepare runs beside the fast suite, in the order `make nodes` boots them.
nodes-images: install nodes-deps
	@$(call each_blueprint,nodes-images,--images-only,images ready)

# each_blueprint TARGET,FLAGS,DONE: one harness run per blueprint of NODES_NAMES; every one
# runs even when one fails, and the target fails if any did.
define each_blueprint
cd $(NODES_ROOT) && names="$(NODES_NAMES)"; \
if [ -z "$$names" ]; then echo "$(1): no blueprint found in the catalog" >&2; exit 2; fi; \
failed=""; for name in $$names; do \
  $(NODES_PYTHON) -m tests.nodes $(2) "$$name" || failed="$$failed $$name"; \
done; \
if [ -n "$$failed" ]; then echo "$(1): failed:$$failed" >&2; exit 1; fi; \
echo "$(1): $(3): $$names"
endef

# The negative controls now run inside `make nodes`, in the same boots as the positive checks.
nodes-negative:
	@echo "nodes-negative: the negative controls run within 'make nodes' (nothing to do)"
