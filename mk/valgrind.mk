# make test-valgrind: the unit and integration suites (and the seed's e2e program) with
# every awsml process under valgrind memcheck. Part of `make test`, after test-sanitize.
#
# Own build dir (build/vg, -O1 -g, no sanitizers: valgrind cannot run ASan binaries).
# scripts/valgrind-exec.sh starts one process under memcheck with a log of its own in
# build/vg/logs/<suite>/; scripts/valgrind-check.sh then fails the target on any
# memory error or definitely/indirectly/possibly lost block in any log, on a log
# without a summary (a process killed before valgrind could check it), and when no
# process of the program under test ran at all. Still-reachable blocks (the global
# state gRPC, OpenSSL and curl keep until exit) are listed in the logs, not errors.
# Suppressions: tests/valgrind.supp (third-party library internals only).
#
# The integration suite and the e2e test start the plugin from AWSML_BIN and the AWS
# client from $AWSML_BUILD/test/aws-call; both point into build/vg/wrap, whose scripts
# exec valgrind on the real build/vg binaries. The plugin's wrapper starts it under the
# name it was called by (build/vg/wrap/as/<name>), because pulumi-resource-aws serves
# the schema as package aws. AWSML_VALGRIND=1 gives the tests' boot and shutdown
# waits room for valgrind's slowness (tests/integration/conftest.py).
#
# Left out of the integration run, each for a reason:
# - test_engine_log.py::test_valgrind_finds_no_leaks_or_errors starts valgrind itself
#   (valgrind does not run under valgrind; every test here does what it does);
# - test_dist.py checks the release tarball's statically linked binary, which is not
#   this build (test-integration runs it);
# - test_sigv4_suite.py runs bin/sigv4-case, not the plugin; the SigV4 code it drives
#   runs under valgrind in the unit suite (test_sigv4) and in every signed request here.

VG_BUILD := build/vg
VG_UNIT  := $(patsubst $(BUILD)/%,$(VG_BUILD)/%,$(UNIT_BIN))
VG_LOGS  := $(CURDIR)/$(VG_BUILD)/logs
VG_WRAP  := $(CURDIR)/$(VG_BUILD)/wrap
VG_PLUGIN := $(CURDIR)/$(VG_BUILD)/test/pulumi-resource-awsml

.PHONY: test-valgrind test-valgrind-build test-valgrind-unit test-valgrind-integration \
        test-valgrind-e2e

# One after the other even under make -j: valgrind runs are slow enough without
# sharing the two cores with each other.
test-valgrind:
	$(MAKE) test-valgrind-unit
	$(MAKE) test-valgrind-integration
	$(MAKE) test-valgrind-e2e

test-valgrind-build:
	$(MAKE) BUILD=$(VG_BUILD) OPT="-O1 -g" SAN= $(VG_BUILD)/test/pulumi-resource-awsml \
	    $(VG_BUILD)/test/aws-call $(VG_UNIT)
	@rm -rf $(VG_WRAP) && mkdir -p $(VG_WRAP)/test $(VG_WRAP)/as
	@ln -s $(VG_PLUGIN) $(VG_WRAP)/as/pulumi-resource-awsml
	@ln -s $(VG_PLUGIN) $(VG_WRAP)/as/pulumi-resource-aws
	@ln -s $(VG_PLUGIN) $(VG_WRAP)/as/pulumi-analyzer-awsml
	@ln -s $(CURDIR)/$(VG_BUILD)/schema.json $(VG_WRAP)/schema.json
	@printf '%s\n' '#!/bin/sh' \
	    '# make test-valgrind: the plugin under valgrind, started by the name it was called by.' \
	    'real=$(VG_WRAP)/as/$$(basename "$$0")' \
	    '[ -e "$$real" ] || real=$(VG_PLUGIN)' \
	    'exec $(CURDIR)/scripts/valgrind-exec.sh "$$real" "$$@"' \
	    > $(VG_WRAP)/test/pulumi-resource-awsml
	@printf '%s\n' '#!/bin/sh' '# make test-valgrind: aws-call under valgrind.' \
	    'exec $(CURDIR)/scripts/valgrind-exec.sh $(CURDIR)/$(VG_BUILD)/test/aws-call "$$@"' \
	    > $(VG_WRAP)/test/aws-call
	@chmod +x $(VG_WRAP)/test/pulumi-resource-awsml $(VG_WRAP)/test/aws-call

# Every unit suite runs to its end even when one fails, then the logs are checked.
test-valgrind-unit: test-valgrind-build
	@rm -rf $(VG_LOGS)/unit
	@failed=""; for t in $(VG_UNIT); do echo "== valgrind $$t"; \
	    AWSML_VG_LOGS=$(VG_LOGS)/unit scripts/valgrind-exec.sh $$t || failed="$$failed $$t"; \
	done; \
	scripts/valgrind-check.sh $(VG_LOGS)/unit $(notdir $(VG_UNIT)) || failed="$$failed (logs)"; \
	if [ -n "$$failed" ]; then echo "test-valgrind-unit: failed:$$failed" >&2; exit 1; fi

test-valgrind-integration: test-valgrind-build tools
	@rm -rf $(VG_LOGS)/integration
	AWSML_VG_LOGS=$(VG_LOGS)/integration AWSML_VALGRIND=1 \
	AWSML_BIN=$(VG_WRAP)/test/pulumi-resource-awsml AWSML_BUILD=$(VG_WRAP) \
	AWSML_ROOT=$(CURDIR) AWSML_EXPECT_VERSION=$(VERSION) \
	AWSML_EXPECT_DROPIN_VERSION=$(DROPIN_VERSION) \
	scripts/with-moto $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/integration \
	    -k "not test_valgrind_finds_no_leaks_or_errors" \
	    --ignore=tests/integration/test_dist.py --ignore=tests/integration/test_sigv4_suite.py; \
	rc=$$?; scripts/valgrind-check.sh $(VG_LOGS)/integration pulumi-resource-awsml \
	    pulumi-analyzer-awsml aws-call \
	    && exit $$rc; exit 1

# The seed's program (preview, up, updates, replace, refresh, destroy) through the real
# Pulumi CLI, which starts the plugin through the wrapper as pulumi-resource-aws.
test-valgrind-e2e: test-valgrind-build tools
	@rm -rf $(VG_LOGS)/e2e
	AWSML_VG_LOGS=$(VG_LOGS)/e2e AWSML_BIN=$(VG_WRAP)/test/pulumi-resource-awsml \
	scripts/with-moto $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/e2e/test_seed.py; \
	rc=$$?; scripts/valgrind-check.sh $(VG_LOGS)/e2e pulumi-resource-aws && exit $$rc; exit 1
