# sandbox.mk - local OpenStack control plane for acceptance tests and demos.
# Include from the top-level Makefile:   include sandbox/sandbox.mk
# State lives in $(OSBP_SANDBOX_DIR) (default /var/tmp/osbp-sandbox), never in the repo.

SANDBOX_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
OSBP_SANDBOX_DIR ?= /var/tmp/osbp-sandbox
export OSBP_SANDBOX_DIR
# Extra up.sh flags, e.g.  make sandbox-up SANDBOX_UP_FLAGS="--with-swift --with-octavia"
SANDBOX_UP_FLAGS ?=

.PHONY: sandbox-up sandbox-down sandbox-smoke sandbox-status sandbox-clean

sandbox-up:      ## start the sandbox cloud (installs Debian packages on first use)
	bash $(SANDBOX_DIR)/up.sh $(SANDBOX_UP_FLAGS)

sandbox-down:    ## stop every sandbox process
	bash $(SANDBOX_DIR)/down.sh

sandbox-smoke:   ## end-to-end check of the running sandbox (cleans up after itself)
	bash $(SANDBOX_DIR)/smoke.sh

sandbox-status:  ## PIDs, memory and listeners of the sandbox
	bash $(SANDBOX_DIR)/status.sh

sandbox-clean:   ## stop the sandbox and delete its state (next sandbox-up is a cold start)
	bash $(SANDBOX_DIR)/down.sh --purge
