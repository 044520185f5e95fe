# The awsml SDKs (make sdk, make wheel, make npm-pack, make go-module), generated from the
# schema the plugin serves by scripts/gen-sdk.sh; never committed.
#
#   make sdk        all three, generated and built ($(SDK_DIR)/schema.json beside them):
#                   $(SDK_DIR)/python    the package pulumi_awsml
#                   $(SDK_DIR)/nodejs    @awsml/pulumi, compiled by tsc into nodejs/bin
#                   $(SDK_DIR)/go        the module github.com/awsml/awsml/sdk/go/awsml,
#                                        go build and go vet clean
#   make wheel      $(WHEEL): the wheel, built with the venv's pip and setuptools (no network)
#   make npm-pack   $(NPM_TGZ): npm pack of @awsml/pulumi
#   make go-module  $(GO_MODULE): the Go SDK's module folder (use it with a go.mod replace)
# make dist makes all three beside the plugin tarball. scripts/gen-sdk-build.sh compiles
# and packs the Node.js and Go SDKs.
SDK_DIR    := $(BUILD)/sdk
SDK_STAMP  := $(SDK_DIR)/.stamp-$(VERSION)
SDK_NODE_STAMP := $(SDK_DIR)/.stamp-nodejs-$(VERSION)
SDK_GO_STAMP   := $(SDK_DIR)/.stamp-go-$(VERSION)
DIST_DIR   ?= dist
NPM_TGZ    := $(DIST_DIR)/awsml-pulumi-$(VERSION).tgz
GO_MODULE  := $(DIST_DIR)/awsml-go-sdk-v$(VERSION)
# The wheel carries the PEP 440 form of VERSION (0.2.0-alpha.1 -> 0.2.0a1, as the codegen writes it).
PY_VERSION := $(shell echo '$(VERSION)' | sed -E 's/-alpha\.?/a/; s/-beta\.?/b/; s/-rc\.?/rc/')
WHEEL      := dist/pulumi_awsml-$(PY_VERSION)-py3-none-any.whl

.PHONY: sdk wheel npm-pack go-module
sdk: $(SDK_STAMP) $(SDK_NODE_STAMP) $(SDK_GO_STAMP)
wheel: $(WHEEL)
npm-pack: $(NPM_TGZ)
go-module: $(GO_MODULE)/go.mod

$(SDK_STAMP): bin/pulumi-resource-awsml scripts/gen-sdk.sh scripts/gen-sdk/main.go | tools
	rm -f $(SDK_DIR)/.stamp-*
	bash scripts/gen-sdk.sh bin/pulumi-resource-awsml $(SDK_DIR) $(VERSION) python nodejs go
	touch $@

$(SDK_NODE_STAMP): $(SDK_STAMP) scripts/gen-sdk-build.sh
	bash scripts/gen-sdk-build.sh nodejs $(SDK_DIR)
	touch $@

$(SDK_GO_STAMP): $(SDK_STAMP) scripts/gen-sdk-build.sh
	bash scripts/gen-sdk-build.sh go $(SDK_DIR)
	touch $@

$(NPM_TGZ): $(SDK_NODE_STAMP)
	bash scripts/gen-sdk-build.sh pack-nodejs $(SDK_DIR) $(VERSION) $(DIST_DIR)

$(GO_MODULE)/go.mod: $(SDK_GO_STAMP)
	bash scripts/gen-sdk-build.sh pack-go $(SDK_DIR) $(VERSION) $(DIST_DIR)
	touch $@

$(WHEEL): $(SDK_STAMP) | $(VENV_STAMP)
	@mkdir -p dist
	rm -f dist/pulumi_awsml-*.whl
	rm -rf $(SDK_DIR)/python/build $(SDK_DIR)/python/*.egg-info
	$(VENV)/bin/pip wheel --quiet --no-deps --no-build-isolation --no-index -w dist $(SDK_DIR)/python
	@test -f $@ || { echo "expected $@ (does VERSION match the SDK's?)" >&2; exit 1; }

# The e2e suite runs the seed program with `import pulumi_awsml` from the wheel
# (tests/e2e/test_awsml_sdk.py; it also runs `make wheel` itself when there is none), and
# in TypeScript and Go with the npm tarball and the Go module (tests/e2e/test_awsml_sdks.py).
# A rule without recipe adds the prerequisite to tools.mk's test-e2e.
E2E_DEPS += wheel npm-pack go-module
test-e2e: $(E2E_DEPS)

# The release artifacts include the three SDKs beside the plugin tarball.
dist: wheel npm-pack go-module
