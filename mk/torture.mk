# Allocation-failure torture (make test-torture): tests/torture.
#
# tests/torture/torture.c runs each operation of the provider (RPC handlers on
# encoded requests, Struct and JSON conversion, policies and the advisor, XML and
# AWS error bodies, query encoding, SigV4, profile files, credentials, the client,
# and Create/Read/Update/Delete against a canned AWS on loopback) once to count
# its allocations M, then with allocation N refused for every N = 1..M (and again
# with every allocation from N on refused): no crash, no leak, and a clean error
# or the clean run's result every time.
#
# The allocator (tests/torture/alloc_fail.c) takes every allocation of the
# provider's objects through -Wl,--wrap, and those cJSON, expat, protobuf-c,
# OpenSSL and libcurl make on its behalf through their hooks. Built twice, each in
# its own build dir: plain (build/torture) and with ASan+UBSan (build/torture-asan).
#
#   make test-torture                    both builds, every operation
#   TORTURE_OP=rpc/ make test-torture    only operations whose name contains rpc/
#   TORTURE_VERBOSE=1                    one line per operation with its M

TORTURE_SRC  := tests/torture/torture.c tests/torture/alloc_fail.c tests/torture/fake_aws.c
TORTURE_HDR  := tests/torture/alloc_fail.h tests/torture/fake_aws.h
TORTURE_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup \
                -Wl,--wrap=strndup,--wrap=protobuf_c_message_unpack \
                -Wl,--wrap=protobuf_c_message_free_unpacked,--wrap=XML_ParserCreateNS

.PHONY: test-torture torture-build

# Only meaningful inside the re-entered make (BUILD=build/torture or build/torture-asan).
$(BUILD)/torture/torture: $(TORTURE_SRC) $(TORTURE_HDR) $(BUILD)/libawsml.a \
                          $(BUILD)/obj/tests/support/test_resources.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/torture -o $@ $(TORTURE_SRC) \
	    $(BUILD)/obj/tests/support/test_resources.o $(BUILD)/libawsml.a $(TORTURE_WRAP) \
	    $(LDLIBS_ALL)

torture-build:
	$(MAKE) BUILD=build/torture build/torture/torture/torture
	$(MAKE) BUILD=build/torture-asan OPT="-O1 -g" SAN="$(SAN_FLAGS)" \
	    build/torture-asan/torture/torture

test-torture: torture-build
	build/torture/torture/torture
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    build/torture-asan/torture/torture
