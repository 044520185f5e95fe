# Fuzzing (make fuzz): libFuzzer harnesses in tests/fuzz.
#
#   make fuzz            each harness for FUZZ_SECONDS (default 60) over its seed corpus
#   make fuzz-smoke      each harness for 10 s, plus a replay of tests/fuzz/regressions (CI)
#   make fuzz-build      only build the harnesses (build/fuzz/bin/fuzz_*)
#   make fuzz-one FUZZ_TARGET=fuzz_rpc   one harness
#   FUZZ_BUILD=dir (default build/fuzz)  another build dir, for parallel work
#
# The provider is compiled again with clang into build/fuzz (own objects, own generated
# protobuf-c code) with -fsanitize=fuzzer-no-link,address,undefined; the harnesses link it
# with -fsanitize=fuzzer. Debian packages: clang, libclang-rt-14-dev.
#
# Committed seeds (tests/fuzz/corpus/<target>) are only read: new inputs go to
# build/fuzz/work/<target>. A crash fails the target and its input stays in
# build/fuzz/crashes/<target>/; copy it to tests/fuzz/regressions/<target>/ so every
# later fuzz-smoke replays it.

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-one fuzz-bins

# Re-enter make with the fuzz build's variables so the Makefile's own rules build the
# generated code, the objects and libawsml.a with clang. -Wno-error: clang warns about
# things gcc does not, and this build is for finding crashes, not for policing warnings.
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT="-O1 -g" SAN="$(FUZZ_SAN)" \
	    CFLAGS="-Wno-error $(CFLAGS)" fuzz-bins

fuzz-bins: $(patsubst %,$(BUILD)/bin/%,$(FUZZ_TARGETS))

# Only meaningful inside the re-entered make (BUILD=build/fuzz, CC=clang).
FUZZ_SUPPORT_OBJ := $(BUILD)/obj/tests/support/test_resources.o
$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libawsml.a $(FUZZ_SUPPORT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(FUZZ_SUPPORT_OBJ) $(BUILD)/libawsml.a \
	    $(LDLIBS_ALL)

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/fuzz.sh run 10 $(FUZZ_TARGETS)

fuzz-one: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGET)
