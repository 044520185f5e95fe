# Release artifacts and installation (included by the Makefile; see README).
#
#   make dist     dist/pulumi-resource-awsml-v$(VERSION)-linux-amd64.tar.gz: the release
#                 binary at the archive root, the same as pulumi-analyzer-awsml (the policy
#                 pack) with PulumiPolicy.yaml, README.md, LICENSE, THIRD-PARTY-NOTICES
#   make install  pulumi plugin install resource awsml $(VERSION) --file <that tarball>
#                 (into $PULUMI_HOME, default ~/.pulumi; `pulumi` from PATH or .tools/bin)
#   make dropin   $(BUILD)/dropin/pulumi-resource-aws: the plugin under the name pulumi_aws
#                 programs look for (part of `make`)
#
# The release binary ($(BUILD)/dist/pulumi-resource-awsml) is the same objects as
# bin/pulumi-resource-awsml, linked differently: everything but glibc is linked
# statically — gRPC core, gpr, address_sorting, upb, re2, c-ares, abseil, protobuf-c,
# cJSON, expat, zlib, libcurl, OpenSSL (libssl, libcrypto), libstdc++ and libgcc — so it
# runs on a Linux machine with nothing but glibc installed, and starts without loading
# any other shared library. Debian ships those .a files except libcjson.a and a usable
# libcurl.a (Debian's needs static nghttp2, idn2, rtmp, ssh2, psl, krb5, ldap...), which
# scripts/dist.sh builds from Debian's own cjson and curl sources: libcurl configured with
# only HTTP(S) over OpenSSL, proxies and the threaded resolver (see cmd_curl there).

DIST_DIR      ?= dist
DIST_OS       := linux
DIST_ARCH     := $(patsubst x86_64,amd64,$(patsubst aarch64,arm64,$(shell uname -m)))
DIST_TARBALL  := $(DIST_DIR)/pulumi-resource-awsml-v$(VERSION)-$(DIST_OS)-$(DIST_ARCH).tar.gz
DIST_BIN      := $(BUILD)/dist/pulumi-resource-awsml
DIST_CJSON    := $(BUILD)/dist/cjson/libcjson.a
DROPIN_DIR    := $(BUILD)/dropin

# pkg-config's static closure gives the order; glibc's parts are taken out of it and
# appended after -Wl,-Bdynamic. cJSON and libcurl come as the .a files scripts/dist.sh
# builds; libcurl goes before DIST_LDLIBS, whose -lssl -lcrypto it needs. --gc-sections
# drops the unreferenced sections of those archives (0.7 MiB). The empty server of
# `make bench` links with DIST_LDLIBS too (the same way, without curl).
DIST_CURL        := $(BUILD)/dist/curl/libcurl.a
DIST_SHARED_LIBS := -Wl,--as-needed -pthread -ldl -lrt -lm -Wl,--no-as-needed
DIST_PKG_STATIC   = $(shell pkg-config --static --libs grpc libprotobuf-c expat 2>/dev/null)
DIST_STATIC_LIBS  = $(filter-out -ldl -lrt -lm -pthread -lpthread,$(DIST_PKG_STATIC))
DIST_LDLIBS       = -Wl,--gc-sections $(DIST_CJSON) -Wl,-Bstatic $(DIST_STATIC_LIBS) -lssl \
                    -lcrypto -lstdc++ -Wl,-Bdynamic $(DIST_SHARED_LIBS) -static-libgcc

.PHONY: dist dist-bin install dropin analyzer
all: dropin analyzer

dist: $(DIST_TARBALL)

dist-bin: $(DIST_BIN)

$(DIST_CJSON): scripts/dist.sh
	CC="$(CC)" bash scripts/dist.sh cjson $(dir $@)

# About a minute, once per build dir (the source is cached in ~/.cache/awsml).
$(DIST_CURL): scripts/dist.sh
	CC="$(CC)" bash scripts/dist.sh curl $(dir $@)

$(DIST_BIN): $(BUILD)/obj/provider/main.o $(BUILD)/libawsml.a $(DIST_CJSON) $(DIST_CURL)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(BUILD)/obj/provider/main.o $(BUILD)/libawsml.a $(DIST_CURL) $(DIST_LDLIBS)

# The unit suites that drive libcurl (HTTP, TLS, proxies, timeouts, cancellation, shared
# connections, credential providers), linked like the release binary: the static libcurl
# and OpenSSL are tested, not only Debian's shared ones. tests/integration/test_dist.py
# builds and runs them.
DIST_UNIT := $(patsubst %,$(BUILD)/dist/unit/%,test_http test_client test_credentials)
.PHONY: dist-unit
dist-unit: $(DIST_UNIT)

$(BUILD)/dist/unit/%: tests/unit/%.c $(BUILD)/libawsml.a $(DIST_CURL) $(DIST_CJSON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libawsml.a $(DIST_CURL) $(DIST_LDLIBS) -lcmocka

$(DIST_TARBALL): $(DIST_BIN) README.md LICENSE scripts/dist.sh
	bash scripts/dist.sh tarball $(DIST_BIN) $(VERSION) $@ $(dir $(DIST_CJSON)) $(dir $(DIST_CURL))

install: $(DIST_TARBALL)
	bash scripts/dist.sh install $(VERSION) $(DIST_TARBALL)

# A copy, not a link: the engine runs $(DROPIN_DIR)/pulumi-resource-aws as is, and the
# folder keeps working if bin/ is cleaned while a program still points at it.
dropin: $(DROPIN_DIR)/pulumi-resource-aws

$(DROPIN_DIR)/pulumi-resource-aws: bin/pulumi-resource-awsml
	@mkdir -p $(dir $@)
	cp -f $< $@.tmp && mv -f $@.tmp $@

# The policy pack (issue 14): the same binary under the name that makes it serve
# pulumirpc.Analyzer, for `pulumi preview --policy-pack $(ANALYZER_DIR)/pulumi-analyzer-awsml`
# (part of `make`). A copy, as for the drop-in.
ANALYZER_DIR := $(BUILD)/analyzer
analyzer: $(ANALYZER_DIR)/pulumi-analyzer-awsml $(ANALYZER_DIR)/PulumiPolicy.yaml

# Rewritten on every make (VERSION may differ from the last one); cheap.
.PHONY: FORCE
FORCE:
$(ANALYZER_DIR)/PulumiPolicy.yaml: scripts/dist.sh FORCE
	@mkdir -p $(dir $@)
	bash scripts/dist.sh policy-yaml $(VERSION) > $@.tmp && mv -f $@.tmp $@

$(ANALYZER_DIR)/pulumi-analyzer-awsml: bin/pulumi-resource-awsml
	@mkdir -p $(dir $@)
	cp -f $< $@.tmp && mv -f $@.tmp $@
