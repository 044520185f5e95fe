# Test toolchain: Python venv and the Pulumi CLI (owned by scripts/tools.sh), and with
# them the other downloads (the Node.js and Go language hosts, the pinned Node packages
# and Go SDK modules of the TypeScript and Go examples, the SDK generator of
# scripts/gen-sdk.sh, Debian's cjson and curl sources for scripts/dist.sh), so that
# `make tools` is where the network is used.
# Under `make check` (AWSML_NO_INSTALL=1) both rules below only check and link the cache.
VENV       := .tools/venv
VENV_STAMP := .tools/venv/.stamp

.PHONY: tools test-e2e demo
tools:
	@bash scripts/tools.sh

$(VENV_STAMP):
	@bash scripts/tools.sh --venv-only

# End-to-end: the real Pulumi CLI + Python language host drive the test build of the
# plugin against moto with SigV4 checking (scripts/with-moto starts and stops it).
test-e2e: tools dist $(BUILD)/test/pulumi-resource-awsml
	AWSML_BIN=$(CURDIR)/$(BUILD)/test/pulumi-resource-awsml \
	scripts/with-moto $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/e2e

# The seed program through preview, up and destroy (builds what it needs itself).
demo:
	@bash scripts/demo.sh
