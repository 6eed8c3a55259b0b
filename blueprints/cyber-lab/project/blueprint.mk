# The range's day-2 commands (included by the Makefile). They need Python and the Pulumi CLI
# only (lab.py uses the standard library), not the project's venv/.
.PHONY: inventory reset

# make inventory: inventory/hosts.ini from the stack's outputs (JUMP_USER=debian).
inventory:
	python3 lab.py --stack $(STACK) inventory --jump-user $(or $(JUMP_USER),debian)

# make reset [ONLY=name,...]: every lab VM (or the named ones) rebuilt from its image.
reset:
	python3 lab.py --stack $(STACK) reset --only "$(ONLY)"
