# Acceptance against a real local OpenStack. Included from the top Makefile.
E2E_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: e2e e2e-tools e2e-deps

## make e2e-tools    build (once, cached) the Pulumi CLI, language host and providers
e2e-tools:
	$(E2E_DIR)/tools/build.sh

E2E_PACKAGES := chromium chromium-driver

# The flow's Python packages, and the headless browser that reads the dashboards it starts.
e2e-deps: install
	$(BIN)/python -m pip install --quiet -e '.[dev,e2e]'
	@missing=$$(for p in $(E2E_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; fi

## make e2e          sandbox up, day-1 and day-2 flow of every blueprint (BLUEPRINTS="a b" picks), sandbox down
e2e: e2e-deps e2e-tools
	BLUEPRINTS="$(BLUEPRINTS)" $(E2E_DIR)/run.sh

.PHONY: bench-heat
## make bench-heat   Heat vs the generated Pulumi project on the sandbox, 3 alternated runs (in make bench)
bench-heat: e2e-deps e2e-tools
	$(E2E_DIR)/bench.sh benchmarks/heat_vs_pulumi.py wordpress-3tier

bench: bench-heat
