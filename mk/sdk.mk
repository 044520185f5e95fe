# Python SDK pulumi_awsml (make sdk, make wheel), generated from the schema the
# plugin serves by scripts/gen-sdk.sh; never committed.
#
#   make sdk     $(SDK_DIR)/python: the generated package (and $(SDK_DIR)/schema.json)
#   make wheel   $(WHEEL): the wheel, built with the venv's pip and setuptools (no network)
SDK_DIR    := $(BUILD)/sdk
SDK_STAMP  := $(SDK_DIR)/.stamp-$(VERSION)
# The wheel carries the PEP 440 form of VERSION (0.2.0-alpha.1 -> 0.2.0a1, as the codegen writes it).
PY_VERSION := $(shell echo '$(VERSION)' | sed -E 's/-alpha\.?/a/; s/-beta\.?/b/; s/-rc\.?/rc/')
WHEEL      := dist/pulumi_awsml-$(PY_VERSION)-py3-none-any.whl

.PHONY: sdk wheel
sdk: $(SDK_STAMP)
wheel: $(WHEEL)

$(SDK_STAMP): bin/pulumi-resource-awsml scripts/gen-sdk.sh scripts/gen-sdk/main.go | tools
	rm -f $(SDK_DIR)/.stamp-*
	bash scripts/gen-sdk.sh bin/pulumi-resource-awsml $(SDK_DIR) $(VERSION)
	touch $@

$(WHEEL): $(SDK_STAMP) | $(VENV_STAMP)
	@mkdir -p dist
	rm -f dist/pulumi_awsml-*.whl
	rm -rf $(SDK_DIR)/python/build $(SDK_DIR)/python/*.egg-info
	$(VENV)/bin/pip wheel --quiet --no-deps --no-build-isolation --no-index -w dist $(SDK_DIR)/python
	@test -f $@ || { echo "expected $@ (does VERSION match the SDK's?)" >&2; exit 1; }

# The e2e suite runs the seed program with `import pulumi_awsml` from the wheel
# (tests/e2e/test_awsml_sdk.py; it also runs `make wheel` itself when there is none).
# A rule without recipe adds the prerequisite to tools.mk's test-e2e.
E2E_DEPS += wheel
test-e2e: $(E2E_DEPS)

# The release artifacts include the wheel beside the plugin tarball.
dist: wheel
