# circleci-usage: a plain Makefile with pkg-config.
#
#   make              build ./circleci-usage
#   make check        lint, every test, then again under ASan+UBSan, and a
#                     fuzz run
#   make lint         banned functions; no library file prints or exits
#   make check-dates  the date-sensitive suites at four pinned dates (in check)
#   make bench        the speed and memory figures, and budget's backtest
#                     (see bench/README.md)
#   make demo         a sample export and its report, no token needed
#   make install      PREFIX=/usr/local (binary, man page, completions)
#   make fuzz         longer libFuzzer runs (FUZZ_SECONDS=600)
#   make coverage     line and branch coverage of the whole suite (lcov)
#   make check-valgrind  unit and end-to-end tests under valgrind
#
# Every target that needs packages first runs scripts/deps.sh, which
# installs what is missing (Debian).  GZ=zlib builds with zlib instead of
# ISA-L.

PREFIX ?= /usr/local
CC ?= cc
PKG_CONFIG ?= pkg-config
GZ ?= isal
VERSION := 0.1.0

WARN = -Wall -Wextra -Werror -Wpedantic -Wstrict-prototypes \
       -Wmissing-prototypes -Wvla -Wwrite-strings -Wshadow
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -DCU_VERSION='"$(VERSION)"' $(WARN) \
	      -Isrc -Isrc/cmd
OPT ?= -O2 -g

ifeq ($(GZ),zlib)
GZ_PKG = zlib
GZ_DEF = -DCU_GZ_ZLIB
else
GZ_PKG = libisal
GZ_DEF =
endif

# libcurl, libcrypto, cairo and libpq are compiled against but not linked:
# src/lazylib.c loads each when a command first needs it (dlopen), so that
# the commands that only read files do not start 50 libraries
PKGS_LAZY = libcurl libcrypto cairo libpq
PKGS = $(GZ_PKG) jansson $(PKGS_LAZY) yaml-0.1 sqlite3
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out $(PKGS_LAZY),$(PKGS)) \
	2>/dev/null)
LIBS = $(PKG_LIBS) -lpthread -lm

# src/cmd/: the commands, their option layer, main() and the reporter that
# writes to the terminal; src/: the library (it never prints: make lint)
SRCS = $(wildcard src/*.c src/cmd/*.c)
LIB_SRCS = $(filter-out src/cmd/main.c,$(SRCS))
HDRS = $(wildcard src/*.h src/cmd/*.h)

BUILD = build/rel
OBJS = $(patsubst src/%.c,$(BUILD)/%.o,$(SRCS))

ASAN_BUILD = build/asan
ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer -O1 -g
ASAN_OBJS = $(patsubst src/%.c,$(ASAN_BUILD)/%.o,$(SRCS))

UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps check check-unit check-e2e check-dates check-asan check-fuzz \
	check-build \
	bench demo install fuzz clean lint coverage check-valgrind completions

all:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory circleci-usage completions

deps:
	@sh scripts/deps.sh build

circleci-usage: $(OBJS)
	$(CC) $(OPT) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: src/%.c $(HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(GZ_DEF) $(OPT) $(PKG_CFLAGS) -c -o $@ $<

$(ASAN_BUILD)/%.o: src/%.c $(HDRS) | $(ASAN_BUILD)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(GZ_DEF) $(ASAN_FLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD) $(ASAN_BUILD) build/unit build/unit-asan:
	mkdir -p $@

$(ASAN_BUILD)/circleci-usage: $(ASAN_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $(ASAN_OBJS) $(LIBS)

# ---- tests ----

CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
TEST_CFLAGS = $(BASE_CFLAGS) $(GZ_DEF) -Isrc $(PKG_CFLAGS) $(CMOCKA_CFLAGS) \
	      -Wno-missing-prototypes
LIB_OBJS = $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS = $(patsubst src/%.c,$(ASAN_BUILD)/%.o,$(LIB_SRCS))

build/unit/%: tests/unit/%.c $(LIB_OBJS) $(HDRS) | build/unit
	$(CC) $(TEST_CFLAGS) $(OPT) -o $@ $< $(LIB_OBJS) $(LIBS) $(CMOCKA_LIBS)

build/unit-asan/%: tests/unit/%.c $(ASAN_LIB_OBJS) $(HDRS) | build/unit-asan
	$(CC) $(TEST_CFLAGS) $(ASAN_FLAGS) -o $@ $< $(ASAN_LIB_OBJS) $(LIBS) \
	    $(CMOCKA_LIBS)

# Everything the tests run is built first, on every core (the builds are
# a quarter of the run when made one file at a time); then the tests, in
# turn.
check:
	@sh scripts/deps.sh check
	@$(MAKE) --no-print-directory -j$(NPROC) check-build
	@$(MAKE) --no-print-directory lint check-unit check-e2e check-dates \
	    check-asan check-fuzz
	@echo "make check: all passed"

NPROC = $(shell nproc 2>/dev/null || echo 2)

check-build: circleci-usage $(addprefix build/unit/,$(UNIT_TESTS)) \
	    build/faultshim.so $(ASAN_BUILD)/circleci-usage \
	    $(addprefix build/unit-asan/,$(UNIT_TESTS)) \
	    $(addprefix build/fuzz/,$(FUZZ_TARGETS))

# Every suite that talks to a server (the unit tests of the API client
# and the downloads too) runs in a network namespace with only loopback
# (tests/netns.sh; it fails rather than run them outside one), so that no
# test can reach beyond the machine.
NETNS = sh tests/netns.sh

check-unit: circleci-usage $(addprefix build/unit/,$(UNIT_TESTS))
	@$(NETNS) sh tests/run-unit.sh build/unit $(UNIT_TESTS)

check-e2e: circleci-usage build/faultshim.so
	@$(NETNS) bash tests/e2e/run.sh ./circleci-usage

# the suites whose verdict could depend on the date, with "now" pinned
# (CIRCLECI_USAGE_NOW) at a month end, 29 Feb 2028, 1 Jan 2027 and a Monday
# 00:00:30 UTC (tests/README.md); about 2 minutes
check-dates: circleci-usage build/unit/test_range build/unit/test_date
	@$(NETNS) sh tests/check-dates.sh ./circleci-usage

# the LD_PRELOAD fault injector of tests/e2e/faults.sh (no -Wpedantic:
# dlsym returns functions as void *, as POSIX allows)
build/faultshim.so: tests/fault/faultshim.c
	@mkdir -p build
	$(CC) -std=c11 -D_GNU_SOURCE $(filter-out -Wpedantic,$(WARN)) -O2 -shared -fPIC \
	    -o $@ $< -ldl

# fontconfig's process-long caches are not leaks (tests/lsan.supp)
LSAN_ENV = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

check-asan: $(ASAN_BUILD)/circleci-usage \
	    $(addprefix build/unit-asan/,$(UNIT_TESTS))
	@$(LSAN_ENV) $(NETNS) sh tests/run-unit.sh build/unit-asan $(UNIT_TESTS)
	@$(LSAN_ENV) $(NETNS) bash tests/e2e/run.sh $(ASAN_BUILD)/circleci-usage \
	    --quick

# ---- coverage (gcov + lcov) ----
# The whole suite (unit and end-to-end, full mode) on a --coverage build;
# build/coverage/summary.txt has the totals and the lines not covered of
# every library module, build/coverage/html/index.html the annotated source.

COV_BUILD = build/cov
COV_FLAGS = --coverage -O0 -g
COV_OBJS = $(patsubst src/%.c,$(COV_BUILD)/%.o,$(SRCS))
COV_LIB_OBJS = $(patsubst src/%.c,$(COV_BUILD)/%.o,$(LIB_SRCS))

$(COV_BUILD)/%.o: src/%.c $(HDRS) | $(COV_BUILD)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(GZ_DEF) $(COV_FLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(COV_BUILD) build/unit-cov:
	mkdir -p $@

$(COV_BUILD)/circleci-usage: $(COV_OBJS)
	$(CC) $(COV_FLAGS) -o $@ $(COV_OBJS) $(LIBS)

build/unit-cov/%: tests/unit/%.c $(COV_LIB_OBJS) $(HDRS) | build/unit-cov
	$(CC) $(TEST_CFLAGS) $(COV_FLAGS) -o $@ $< $(COV_LIB_OBJS) $(LIBS) \
	    $(CMOCKA_LIBS)

coverage:
	@sh scripts/deps.sh coverage
	@$(MAKE) --no-print-directory $(COV_BUILD)/circleci-usage \
	    $(addprefix build/unit-cov/,$(UNIT_TESTS)) build/faultshim.so
	@$(NETNS) sh scripts/coverage.sh $(COV_BUILD) $(UNIT_TESTS)

# ---- valgrind ----
# The unit tests and the quick end-to-end suite with every run of the tool
# under valgrind memcheck (tests/valgrind.sh wraps the binary); any error
# or definite/indirect leak fails the run.

check-valgrind: circleci-usage $(addprefix build/unit/,$(UNIT_TESTS))
	@sh scripts/deps.sh check
	@$(NETNS) sh tests/valgrind-check.sh $(UNIT_TESTS)

# ---- fuzzing (clang's libFuzzer) ----

FUZZ_TARGETS = $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_SECONDS ?= 600
FUZZ_LIB_SRCS = $(filter-out src/cmd/%.c,$(LIB_SRCS))
# the library built once for every target (it was built again for each)
FUZZ_LIB_OBJS = $(patsubst src/%.c,build/fuzz/lib/%.o,$(FUZZ_LIB_SRCS))
.SECONDARY: $(FUZZ_LIB_OBJS)

build/fuzz/lib/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	clang $(BASE_CFLAGS) $(GZ_DEF) -Isrc $(PKG_CFLAGS) $(FUZZ_FLAGS) \
	    -c -o $@ $<

# an archive, so that a target links only the objects it uses: libFuzzer
# scans every coverage counter linked in after each execution
build/fuzz/libcu.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJS)

build/fuzz/%: fuzz/%.c build/fuzz/libcu.a $(HDRS)
	@mkdir -p build/fuzz
	clang $(BASE_CFLAGS) $(GZ_DEF) -Wno-missing-prototypes -Isrc \
	    $(PKG_CFLAGS) $(FUZZ_FLAGS) -o $@ $< build/fuzz/libcu.a $(LIBS)

# 10 s a target in make check (a smoke run on the committed corpus, a
# target a core at once);
# `make fuzz` is the campaign
check-fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@sh fuzz/run.sh 10 $(FUZZ_TARGETS)

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- the rest ----

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory circleci-usage
	@sh bench/run.sh
	@python3 bench/targets.py
	@sh bench/ingest.sh
	@BENCH_SET=wide sh bench/ingest.sh
	@sh bench/pg.sh
	@python3 bench/download.py
	@python3 bench/anomalies.py
	@python3 bench/budget_backtest.py

demo:
	@sh scripts/deps.sh demo
	@$(MAKE) --no-print-directory circleci-usage
	@sh scripts/demo.sh

# The bash and zsh completions, made from the option table
# (src/cmd/cmdopt_table.c) as the binary prints it.
COMPLETIONS = build/completion/circleci-usage.bash \
	      build/completion/_circleci-usage

completions: $(COMPLETIONS)

build/completion/circleci-usage.bash: circleci-usage scripts/completion.sh
	@mkdir -p build/completion
	./circleci-usage --dump-options | sh scripts/completion.sh bash >$@.tmp
	mv $@.tmp $@

build/completion/_circleci-usage: circleci-usage scripts/completion.sh
	@mkdir -p build/completion
	./circleci-usage --dump-options | sh scripts/completion.sh zsh >$@.tmp
	mv $@.tmp $@

install: circleci-usage $(COMPLETIONS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 circleci-usage $(DESTDIR)$(PREFIX)/bin/circleci-usage
	install -m 644 doc/circleci-usage.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man1/circleci-usage.1
	install -d $(DESTDIR)$(PREFIX)/share/circleci-usage
	install -m 644 data/resource-classes.tsv \
	    $(DESTDIR)$(PREFIX)/share/circleci-usage/resource-classes.tsv
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 644 build/completion/circleci-usage.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/circleci-usage
	install -m 644 build/completion/_circleci-usage \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_circleci-usage

# No banned function anywhere; no library file prints or exits
# (scripts/lint.sh: which files are the command layer, what is allowed),
# and the check itself fails on a planted offence.
lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|atoi|atol|gets|strtok)\(' \
	    src/*.c src/cmd/*.c || (echo "banned function used" && false)
	@sh scripts/lint.sh src
	@sh scripts/lint.sh --self-test

clean:
	rm -rf build circleci-usage

# The compiled-in rates: data/resource-classes.tsv as a C string.
src/rates_data.h: data/resource-classes.tsv
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' \
	    -e 's/.*/"&\\n"/' $< > $@
