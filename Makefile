# awsml: a Pulumi resource provider plugin in C.
#
#   make deps            install missing Debian packages (apt-get, idempotent)
#   make                 build bin/pulumi-resource-awsml and bin/sigv4-case
#   make tools           everything fetched from the network, once per machine (cached): Python
#                        venv, Pulumi CLI, SDK generator, Debian sources; see mk/tools.mk
#   make check           the build and every suite (checks, unit, integration, sanitizers,
#                        torture, valgrind, fuzz-smoke, e2e), installing nothing: it fails
#                        first, naming what is missing and `make deps` or `make tools`
#   make test            what CI runs: make deps, make tools, then make check
#   make demo            the seed program, then examples/secure-pipeline, against moto
#
# Generated protobuf-c code goes to build/gen, never into the tree.

VERSION    ?= 0.1.0
# The pulumi-aws release whose schema awsml mirrors (the only place it is written; the
# pulumi_aws pin of scripts/requirements-test.in must agree, tests/integration checks).
# Started as pulumi-resource-aws, the plugin reports DROPIN_VERSION: that version with
# awsml's as semver build metadata ('+' in VERSION becomes '.', as build metadata needs).
AWS_MIRROR_VERSION := 7.51.1
DROPIN_VERSION      = $(AWS_MIRROR_VERSION)+awsml.$(subst +,.,$(VERSION))
BUILD      ?= build
CC         ?= cc
PKGS       := grpc libprotobuf-c libcurl openssl libcjson expat
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wno-unused-parameter
CSTD       := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT        ?= -O2 -g
SAN        ?=
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL  = $(CSTD) $(WARN) $(OPT) $(SAN) -I$(BUILD)/gen -Iprovider $(PKG_CFLAGS) \
              -DAWSML_VERSION='"$(VERSION)"' -DAWSML_DROPIN_VERSION='"$(DROPIN_VERSION)"' \
              $(CFLAGS)
LDLIBS_ALL  = $(PKG_LIBS) -lpthread -lm $(LDLIBS)

PROTO_SRC  := proto/pulumi/provider.proto proto/pulumi/plugin.proto proto/pulumi/engine.proto \
              proto/pulumi/analyzer.proto \
              proto/pulumi/errors.proto proto/google/rpc/status.proto
PROTO_SYS  := google/protobuf/struct.proto google/protobuf/empty.proto google/protobuf/any.proto
PROTO_INC  := /usr/include
GEN_C      := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTO_SRC)) \
              $(patsubst %.proto,$(BUILD)/gen/%.pb-c.c,$(PROTO_SYS))
GEN_H      := $(GEN_C:.c=.h)

# Every provider source except the command entry points makes up the core library.
CORE_EXCLUDE ?=
CORE_SRC   := $(filter-out provider/main.c provider/cmd/%.c $(CORE_EXCLUDE),$(wildcard provider/*.c provider/*/*.c))
CORE_OBJ   := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC)) $(patsubst %.c,%.o,$(GEN_C:$(BUILD)/gen/%=$(BUILD)/obj/gen/%))
SCHEMA_OBJ := $(BUILD)/obj/schema_blob.o
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out tests/support/aws_call.c,$(wildcard tests/support/*.c)))

.PHONY: all deps clean test test-unit test-integration test-sanitize test-e2e check-src fmt
all: bin/pulumi-resource-awsml bin/sigv4-case $(SCHEMA_JSON)

deps:
	@bash scripts/deps.sh

# Generated code ------------------------------------------------------------
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --proto_path=$(PROTO_INC) --c_out=$(BUILD)/gen $<

$(BUILD)/gen/google/protobuf/%.pb-c.c $(BUILD)/gen/google/protobuf/%.pb-c.h: $(PROTO_INC)/google/protobuf/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=$(PROTO_INC) --c_out=$(BUILD)/gen google/protobuf/$*.proto

# The schema: schema/package.json (package metadata, provider configuration,
# shared types) plus every resource's entry from its table, written by
# gen-schema (provider/cmd/gen_schema.c) and embedded as a byte array with a
# terminating NUL.
SCHEMA_JSON := $(BUILD)/schema.json
$(SCHEMA_JSON): $(BUILD)/gen-schema schema/package.json
	$(BUILD)/gen-schema schema/package.json > $@.tmp
	mv -f $@.tmp $@

$(BUILD)/gen/schema_blob.c: $(SCHEMA_JSON) scripts/embed.sh
	@mkdir -p $(BUILD)/gen
	bash scripts/embed.sh awsml_schema_json $< > $@

# Objects --------------------------------------------------------------------
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(SAN) -w -I$(BUILD)/gen $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/obj/schema_blob.o: $(BUILD)/gen/schema_blob.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Binaries --------------------------------------------------------------------
$(BUILD)/libawsml.a: $(CORE_OBJ) $(SCHEMA_OBJ)
	rm -f $@
	ar rcs $@ $^

# The core without the embedded schema, for the tool that writes the schema.
$(BUILD)/libawsml-core.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/gen-schema: $(BUILD)/obj/provider/cmd/gen_schema.o $(BUILD)/libawsml-core.a
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

bin/pulumi-resource-awsml: $(BUILD)/obj/provider/main.o $(BUILD)/libawsml.a
	@mkdir -p bin
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

bin/sigv4-case: $(BUILD)/obj/provider/cmd/sigv4_case.o $(BUILD)/libawsml.a
	@mkdir -p bin
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

# The test build: the same provider plus the test-only resources of
# tests/support, registered through AWSML_TEST_BUILD. Never installed.
$(BUILD)/test/pulumi-resource-awsml: $(BUILD)/obj/provider/main_test.o $(TEST_SUPPORT_OBJ) $(BUILD)/libawsml.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

# aws-call: one AWS call through the client, for the tests against moto.
$(BUILD)/test/aws-call: $(BUILD)/obj/tests/support/aws_call.o $(BUILD)/libawsml.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/obj/provider/main_test.o: provider/main.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DAWSML_TEST_BUILD -c $< -o $@

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libawsml.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libawsml.a $(LDLIBS_ALL) -lcmocka

# Tests ------------------------------------------------------------------------
include mk/tools.mk
include mk/sdk.mk
include mk/dist.mk
include mk/fuzz.mk
include mk/valgrind.mk
include mk/torture.mk

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Integration tests run beside a signature-checking moto (scripts/with-moto).
test-integration: all dist $(BUILD)/test/pulumi-resource-awsml $(BUILD)/test/aws-call $(VENV_STAMP)
	AWSML_BIN=$(CURDIR)/$(BUILD)/test/pulumi-resource-awsml AWSML_BUILD=$(CURDIR)/$(BUILD) \
	AWSML_ROOT=$(CURDIR) AWSML_EXPECT_VERSION=$(VERSION) \
	AWSML_EXPECT_DROPIN_VERSION=$(DROPIN_VERSION) \
	scripts/with-moto $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/integration

# The same suites under AddressSanitizer + UndefinedBehaviorSanitizer in their own build dir.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-sanitize:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" SAN="$(SAN_FLAGS)" build/asan/test/pulumi-resource-awsml \
	    build/asan/test/aws-call \
	    $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	@set -e; for t in $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN)); do echo "== $$t"; \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done
	AWSML_BIN=$(CURDIR)/build/asan/test/pulumi-resource-awsml AWSML_BUILD=$(CURDIR)/build/asan \
	AWSML_SANITIZED=1 AWSML_ROOT=$(CURDIR) AWSML_EXPECT_VERSION=$(VERSION) \
	AWSML_EXPECT_DROPIN_VERSION=$(DROPIN_VERSION) \
	scripts/with-moto $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/integration -k "not valgrind" \
	    --ignore=tests/integration/test_dist.py

check-src:
	@CLANG_FORMAT=$(CLANG_FORMAT) bash scripts/check-src.sh $(C_FILES)
	@bash scripts/check-layers.sh

# make check installs nothing. AWSML_NO_INSTALL=1, exported to every sub-make and script,
# turns each step that would install or download (deps.sh's apt-get, tools.sh's pip and Go
# builds behind `tools` and $(VENV_STAMP), gen-sdk.sh's generator build behind `dist` and
# `wheel`, dist.sh's `apt-get source` of cjson and curl behind `dist`) into a check that
# fails naming the missing piece and `make deps` or `make tools`. deps.sh and tools.sh
# check everything first, so one run lists all that is missing before building anything.
.PHONY: check
check: export AWSML_NO_INSTALL := 1
check:
	@rc=0; bash scripts/deps.sh || rc=1; bash scripts/tools.sh || rc=1; exit $$rc
	$(MAKE) all
	$(MAKE) check-src
	$(MAKE) test-unit
	$(MAKE) test-integration
	$(MAKE) test-sanitize
	$(MAKE) test-torture
	$(MAKE) test-valgrind
	$(MAKE) fuzz-smoke
	$(MAKE) test-e2e

# make test (CI, .ci/run): installs what is missing, then the same suites. One after the
# other even under make -j: tools.sh may itself need deps.sh's packages.
test:
	$(MAKE) deps
	$(MAKE) tools
	$(MAKE) check

# Every C file of the project, formatted by .clang-format (check-src refuses drift).
C_FILES     = $(wildcard provider/*.[ch] provider/*/*.[ch] tests/*/*.[ch] bench/*.c)
CLANG_FORMAT ?= clang-format-14
fmt:
	$(CLANG_FORMAT) -i $(C_FILES)

clean:
	rm -rf build bin dist

# Benchmarks -------------------------------------------------------------------
# bench/bench.py measures side by side and writes bench/results.md and .json:
# start and idle memory of the release and dev binaries beside an empty gRPC
# C-core server linked the same ways and a trivial C program (the floors);
# Check/Diff/Create(preview) at concurrency 1/16/64 driven by ghz (bench/ghz.sh
# builds it once into ~/.cache/awsml) against awsml and the empty server; the
# seed program and 10/100/400-resource stacks under pulumi against moto with the
# provider's CPU and peak RSS, with per-type CPU for roles, attachments, pipelines,
# buckets, objects, keys and aliases; a 1 GiB file asset uploaded by `pulumi up`
# beside `aws s3 cp` of the same file (CPU per GiB, peak RSS). Figures, never
# assertions, except the one check that the provider's peak RSS during the 1 GiB
# upload stays under 32 MiB (bench.py exits non-zero if it does not).
.PHONY: bench
$(BUILD)/bench/empty_server: bench/empty_server.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -o $@ $< $(LDLIBS_ALL)

$(BUILD)/bench/empty_server_static: bench/empty_server.c $(DIST_CJSON)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -o $@ $< $(DIST_LDLIBS)

$(BUILD)/bench/trivial: bench/trivial.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -o $@ $<

# The AWS CLI (v1, from PyPI, pinned) that the 1 GiB upload is compared with lives in
# its own venv: awscli pins botocore, which must not disturb the test venv's boto3.
# Only `make bench` installs it; `make test` never needs it.
BENCH_AWSCLI  := 1.46.2
BENCH_VENV    := .tools/bench-venv
BENCH_STAMP   := $(BENCH_VENV)/.stamp-awscli-$(BENCH_AWSCLI)
$(BENCH_STAMP):
	rm -rf $(BENCH_VENV)
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check awscli==$(BENCH_AWSCLI)
	touch $@

bench: all $(DIST_BIN) $(BUILD)/test/pulumi-resource-awsml $(BUILD)/bench/empty_server \
       $(BUILD)/bench/empty_server_static $(BUILD)/bench/trivial tools $(BENCH_STAMP)
	AWSML_GHZ=$$(bash bench/ghz.sh) && export AWSML_GHZ && \
	AWSML_BUILD=$(CURDIR)/$(BUILD) AWSML_ROOT=$(CURDIR) \
	AWSML_BENCH_AWS=$(CURDIR)/$(BENCH_VENV)/bin/aws \
	scripts/with-moto $(VENV)/bin/python bench/bench.py
	$(MAKE) bench-policy-pack

# What the policy pack adds to a preview of the seed (bench/policy_pack.py; its own
# section of bench/results.md).
.PHONY: bench-policy-pack
bench-policy-pack: all $(DIST_BIN) $(BUILD)/bench/empty_server_static $(VENV_STAMP)
	AWSML_BUILD=$(CURDIR)/$(BUILD) AWSML_ROOT=$(CURDIR) \
	scripts/with-moto $(VENV)/bin/python bench/policy_pack.py
