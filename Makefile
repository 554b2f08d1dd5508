# Switchboard: build, run and test. `make run` and `make test` are all a newcomer needs.

VERSION  := 0.1.0
SAN      ?= 0
BUILD    ?= build
PKGS     := libmariadb libcurl libcjson libcrypto

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
ifeq ($(SAN),1)
BUILD    := build/asan
HARDEN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
# libFuzzer targets (tests/fuzz/) need clang and its fuzzer runtime.
ifeq ($(FUZZ),1)
CC       := clang
BUILD    := build/fuzz
HARDEN   := -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
PKGFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -Iinclude $(PKGFLAGS) -DSB_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDFLAGS  += $(HARDEN) -pie -Wl,-z,relro,-z,now
LDLIBS   += $(PKGLIBS) -lfcgi -lm

# src/ by layer (docs/framework.md); a folder only uses the folders listed before it.
LAYERS   := lib core providers chat chat/adapters chat/ingress reports
MAINS    := $(wildcard src/programs/*_main.c)
LIBSRC   := $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c))
LIBOBJ   := $(LIBSRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libswitchboard.a
FCGI     := $(patsubst src/programs/%_main.c,$(BUILD)/%.fcgi,$(filter-out src/programs/switchboard_main.c,$(MAINS)))
CLI      := $(BUILD)/switchboard
UNITSRC  := $(wildcard tests/unit/test_*.c)
UNITS    := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZSRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  := $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# Unit tests may test a folder's private headers (src/<folder>/*.h).
UNITINC  := $(foreach d,$(LAYERS),-Isrc/$(d))

# Keep the *_main.o intermediates: no rebuild on the next run.
.SECONDARY:

.PHONY: all build install install-cgi deps run stop test test-deploy test-scale test-agents dist unit fuzz fuzzers bench lint clean
all: build install-cgi

build: $(FCGI) $(CLI) $(UNITS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -MMD -MP -c $< -o $@

$(LIB): $(LIBOBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/%.fcgi: $(BUILD)/src/programs/%_main.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CLI): $(BUILD)/src/programs/switchboard_main.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -MMD -MP -Itests/unit $(UNITINC) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -fsanitize=fuzzer -MMD -MP -Itests/fuzz $(UNITINC) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

fuzzers: $(FUZZERS)

# Each fuzz target for FUZZ_SECONDS (default 60); findings land in var/fuzz/.
fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory FUZZ=1 fuzzers
	@tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

# Replace running binaries by rename: a plain cp over them fails with "Text file busy".
install-cgi: $(FCGI)
	@for f in $(FCGI); do cp $$f cgi-bin/.tmp.$$(basename $$f) && mv -f cgi-bin/.tmp.$$(basename $$f) cgi-bin/$$(basename $$f); done

# A VPS install: make install PREFIX=/usr/local DESTDIR=… puts the programs in
# $(PREFIX)/lib/switchboard/cgi-bin (point the web server there), the CLI in
# $(PREFIX)/bin, and www/, sql/ and the example configs in
# $(PREFIX)/share/switchboard (set [server] sql_dir to its sql/).
PREFIX  ?= /usr/local
SHARE    = $(DESTDIR)$(PREFIX)/share/switchboard
install: build
	@install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/switchboard/cgi-bin $(SHARE)/sql $(SHARE)/conf
	@for f in $(FCGI); do install -m 0755 $$f $(DESTDIR)$(PREFIX)/lib/switchboard/cgi-bin/.tmp.$$(basename $$f) && \
	    mv -f $(DESTDIR)$(PREFIX)/lib/switchboard/cgi-bin/.tmp.$$(basename $$f) $(DESTDIR)$(PREFIX)/lib/switchboard/cgi-bin/$$(basename $$f); done
	@install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/switchboard
	@cp -R www $(SHARE)/
	@install -m 0644 sql/*.sql sql/prices.tsv $(SHARE)/sql/
	@install -m 0644 conf/switchboard.ini.example conf/apache-switchboard.conf conf/nginx-switchboard.conf $(SHARE)/conf/
	@echo "installed under $(DESTDIR)$(PREFIX)"

deps:
	@scripts/deps.sh run

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/stack.sh start dev

stop:
	@scripts/stack.sh stop dev

unit:
	@$(MAKE) --no-print-directory SAN=1 build
	@tests/run.sh unit

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory SAN=1 build
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory FUZZ=1 fuzzers
	@tests/run.sh all

# The upload-and-go bundle for shared hosting (scripts/dist.sh).
dist:
	@$(MAKE) --no-print-directory build
	@scripts/dist.sh $(VERSION)

# The bundle proven in a chroot holding only a static shell (tests/dist.sh).
test-deploy:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory SAN=1 build
	@$(MAKE) --no-print-directory dist
	@tests/dist.sh build/dist/switchboard-$(VERSION)-linux-x86_64.tar.gz

# Two web nodes over a three-node Galera cluster on loopback: the two-node
# file of make test again, then the write node killed under traffic
# (docs/scaling.md).
test-scale:
	@scripts/deps.sh scale
	@$(MAKE) --no-print-directory SAN=1 build
	@DB_CLUSTER=galera tests/run.sh integration tests/integration/scale_nodes.test.mjs tests/scale/galera.test.mjs

# Claude Code and Codex CLI, installed from npm into tests/agents/, each
# completing a turn through the gateway to the mock (tests/agents/).
test-agents:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory SAN=1 build
	@tests/run.sh agents

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

lint:
	@scripts/lint.sh

clean:
	rm -rf build cgi-bin/*.fcgi

# price.c embeds the shipped price table with .incbin; rebuild it when the table changes.
$(BUILD)/src/lib/price.o: sql/prices.tsv

-include $(LIBOBJ:.o=.d) $(MAINS:%.c=$(BUILD)/%.d) $(UNITS:%=%.d) $(FUZZERS:%=%.d)
