# Release artifacts and installation (included by the Makefile; see README).
#
#   make dist     dist/pulumi-resource-awsml-v$(VERSION)-linux-amd64.tar.gz: the release
#                 binary at the archive root, README.md, LICENSE, THIRD-PARTY-NOTICES
#   make install  pulumi plugin install resource awsml $(VERSION) --file <that tarball>
#                 (into $PULUMI_HOME, default ~/.pulumi; `pulumi` from PATH or .tools/bin)
#   make dropin   $(BUILD)/dropin/pulumi-resource-aws: the plugin under the name pulumi_aws
#                 programs look for (part of `make`)
#
# The release binary ($(BUILD)/dist/pulumi-resource-awsml) is the same objects as
# bin/pulumi-resource-awsml, linked differently: gRPC core, gpr, address_sorting, upb,
# re2, c-ares, abseil, protobuf-c, cJSON, expat, zlib, libstdc++ and libgcc are linked
# statically, so it runs on a Linux machine without any of them installed. glibc,
# libcurl and OpenSSL (libssl, libcrypto) stay shared. Debian ships every one of those
# .a files except libcjson.a, which scripts/dist.sh builds from Debian's cjson source.

DIST_DIR      ?= dist
DIST_OS       := linux
DIST_ARCH     := $(patsubst x86_64,amd64,$(patsubst aarch64,arm64,$(shell uname -m)))
DIST_TARBALL  := $(DIST_DIR)/pulumi-resource-awsml-v$(VERSION)-$(DIST_OS)-$(DIST_ARCH).tar.gz
DIST_BIN      := $(BUILD)/dist/pulumi-resource-awsml
DIST_CJSON    := $(BUILD)/dist/cjson/libcjson.a
DROPIN_DIR    := $(BUILD)/dropin

# pkg-config's static closure gives the order; the shared set is taken out of it and
# appended after -Wl,-Bdynamic. cJSON comes as the libcjson.a that scripts/dist.sh builds.
DIST_SHARED_LIBS := -Wl,--as-needed -lcurl -lssl -lcrypto -pthread -ldl -lrt -lm -Wl,--no-as-needed
DIST_PKG_STATIC   = $(shell pkg-config --static --libs grpc libprotobuf-c expat 2>/dev/null)
DIST_STATIC_LIBS  = $(filter-out -lssl -lcrypto -ldl -lrt -lm -pthread -lpthread,$(DIST_PKG_STATIC))
DIST_LDLIBS       = $(DIST_CJSON) -Wl,-Bstatic $(DIST_STATIC_LIBS) -lstdc++ -Wl,-Bdynamic \
                    $(DIST_SHARED_LIBS) -static-libgcc

.PHONY: dist dist-bin install dropin
all: dropin

dist: $(DIST_TARBALL)

dist-bin: $(DIST_BIN)

$(DIST_CJSON): scripts/dist.sh
	CC="$(CC)" bash scripts/dist.sh cjson $(dir $@)

$(DIST_BIN): $(BUILD)/obj/provider/main.o $(BUILD)/libawsml.a $(DIST_CJSON)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(BUILD)/obj/provider/main.o $(BUILD)/libawsml.a $(DIST_LDLIBS)

$(DIST_TARBALL): $(DIST_BIN) README.md LICENSE scripts/dist.sh
	bash scripts/dist.sh tarball $(DIST_BIN) $(VERSION) $@ $(dir $(DIST_CJSON))

install: $(DIST_TARBALL)
	bash scripts/dist.sh install $(VERSION) $(DIST_TARBALL)

# A copy, not a link: the engine runs $(DROPIN_DIR)/pulumi-resource-aws as is, and the
# folder keeps working if bin/ is cleaned while a program still points at it.
dropin: $(DROPIN_DIR)/pulumi-resource-aws

$(DROPIN_DIR)/pulumi-resource-aws: bin/pulumi-resource-awsml
	@mkdir -p $(dir $@)
	cp -f $< $@.tmp && mv -f $@.tmp $@
