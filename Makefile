# popconn - POP3 connector for Postfix.  GNU make; no autotools.
#
#   make            build everything (warnings are errors)
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, run the demo
#   make deps       install the Debian packages (root; idempotent)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make torture    long chaos, fuzz and valgrind runs -> tests/RELIABILITY.md
#   make interop    against Cyrus and Courier pop3d (unpacked, not installed)
#   make bench      popconn against fetchmail, getmail6, mpop, and the
#                   scheduler at 1k/10k/50k mailboxes -> bench/RESULTS.md
#                   and bench/results/ (BENCH_QUICK=1: build/bench-quick/)
#   make bench-dupdb what the milter's duplicate store costs per message
#   make lint       function and file lengths (tests/lint_funclen.sh),
#                   cppcheck and clang-tidy (.clang-tidy); any finding fails
#   make coverage-pop3  line coverage of the POP3 engine (unit tests)
#   make install    PREFIX, DESTDIR, sbindir, sysconfdir, mandir, cockpitdir
#   make screenshots copy the Cockpit page's screenshots (from t_web.sh) to docs/
#   SANITIZE=1      build and test with ASan+UBSan (in build/san)

CC		?= cc
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
sbindir		?= $(PREFIX)/sbin
sysconfdir	?= /etc
mandir		?= $(PREFIX)/share/man
# The Cockpit page (web/): Cockpit looks in /usr/share/cockpit and
# /usr/local/share/cockpit (XDG_DATA_DIRS), whatever PREFIX is.
cockpitdir	?= $(PREFIX)/share/cockpit/popconn
DESTDIR		?=
FUZZ_SECONDS	?= 30

WARN	= -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes \
	  -Wmissing-prototypes -Wshadow -Wcast-qual -Wwrite-strings -Wvla \
	  -Wimplicit-fallthrough -Wno-unused-parameter
HARDEN	= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE

ifeq ($(SANITIZE),1)
BUILD	= build/san
OPT	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
SANLD	= -fsanitize=address,undefined
HARDEN	= -fPIE
else
BUILD	= build
OPT	= -O2 -g
SANLD	=
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags openssl libpcre2-8 libcurl jansson 2>/dev/null)
# libcurl is not linked: lib/curl_dl.c opens it when an OAuth mailbox
# first needs HTTPS (its thirty libraries made every fork dearer).
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs openssl libpcre2-8 jansson 2>/dev/null) -llmdb

ALL_CFLAGS  = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) \
	      $(HARDEN) -fno-common -Iinclude $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SANLD) $(LDFLAGS)

# Test hooks (*_hooks.c: functions that pin random or time inputs for
# tests) go into $(LIBHOOKS), which only test programs link: never into
# a product program (tests/integration/t_layers.sh checks).
HOOK_SRC    = $(wildcard lib/*_hooks.c fetcher/*_hooks.c plugin/*_hooks.c)
LIB_SRC     = $(filter-out $(HOOK_SRC),$(wildcard lib/*.c))
FETCHER_SRC = $(filter-out fetcher/main.c $(HOOK_SRC),$(wildcard fetcher/*.c))
PLUGIN_SRC  = $(filter-out plugin/main.c $(HOOK_SRC),$(wildcard plugin/*.c))
UNIT_SRC    = $(wildcard tests/unit/test_*.c)
TOOL_SRC    = $(wildcard tests/tools/*.c)

LIB_OBJ     = $(LIB_SRC:%.c=$(BUILD)/%.o)
FETCHER_OBJ = $(FETCHER_SRC:%.c=$(BUILD)/%.o)
PLUGIN_OBJ  = $(PLUGIN_SRC:%.c=$(BUILD)/%.o)
HOOK_OBJ    = $(HOOK_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN    = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

LIBPC       = $(BUILD)/libpopconn.a
LIBFETCH    = $(BUILD)/libfetcher.a
# What "popconnctl mailbox test" needs of the fetcher: a mailbox's
# settings and login (account_login.c), the POP3 engine and its driver,
# net.c and SASL; not the spool, the UIDL state or delivery.
LIBPOP3     = $(BUILD)/libpop3.a
POP3LIB_SRC = $(filter fetcher/account_login.c fetcher/pop3% fetcher/net.c \
	      fetcher/xsasl% fetcher/xbuf.c fetcher/oauth%,$(FETCHER_SRC))
LIBPLUGIN   = $(BUILD)/libplugin.a
LIBHOOKS    = $(BUILD)/libtesthooks.a
FETCHER     = $(BUILD)/popconn-fetcher
MILTER      = $(BUILD)/popconn-milter
CTL         = $(BUILD)/popconnctl
CTL_SRC     = $(wildcard ctl/*.c)
# Everything of popconnctl but its main(): build/libctl.a, which the unit
# tests and fuzz targets of ctl/'s parsers (fetchmailrc, cfgedit) link.
CTL_LIB_SRC = $(filter-out ctl/popconnctl.c,$(CTL_SRC))
CTL_LIB_OBJ = $(CTL_LIB_SRC:%.c=$(BUILD)/%.o)
LIBCTL      = $(BUILD)/libctl.a
PROGS       = $(FETCHER) $(if $(wildcard plugin/main.c),$(MILTER)) \
	      $(if $(CTL_SRC),$(CTL))
MILTER_LIBS = -lmilter -lpthread

.PHONY: all check demo deps fuzz lint install uninstall clean tests-build \
	run-tests bench torture interop bench-dupdb coverage-pop3 screenshots

all: $(PROGS)

$(BUILD)/%.o: %.c $(wildcard include/*.h lib/*.h fetcher/*.h plugin/*.h ctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin -Ictl -c -o $@ $<

$(LIBPC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBFETCH): $(FETCHER_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(FETCHER): $(BUILD)/fetcher/main.o $(LIBFETCH) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(LIBPOP3): $(POP3LIB_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBCTL): $(CTL_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CTL): $(BUILD)/ctl/popconnctl.o $(LIBCTL) $(LIBPOP3) \
	    $(if $(PLUGIN_SRC),$(LIBPLUGIN)) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) \
	    $(if $(PLUGIN_SRC),$(MILTER_LIBS))

$(LIBPLUGIN): $(PLUGIN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBHOOKS): $(HOOK_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MILTER): $(BUILD)/plugin/main.o $(LIBPLUGIN) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MILTER_LIBS)

# Unit tests link every library; the linker takes only what they use.
# The test hooks come first: they call into the others.
TEST_LIBS = $(LIBHOOKS) $(LIBCTL) $(LIBFETCH) \
	    $(if $(PLUGIN_SRC),$(LIBPLUGIN)) $(LIBPC)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin -Ictl $(ALL_LDFLAGS) -o $@ $< \
	    $(TEST_LIBS) $(PKG_LIBS) $(if $(PLUGIN_SRC),$(MILTER_LIBS)) -lcmocka

$(BUILD)/tests/%: tests/tools/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin -Ictl $(ALL_LDFLAGS) -o $@ $< \
	    $(TEST_LIBS) $(PKG_LIBS) $(if $(PLUGIN_SRC),$(MILTER_LIBS))

# The duplicate store's own benchmark (bench/dupdb_bench.c); built with
# the tests so that it keeps compiling, run by "make bench-dupdb".
DUPDB_BENCH = $(BUILD)/bench/dupdb_bench

$(DUPDB_BENCH): bench/dupdb_bench.c $(LIBPC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPC) $(PKG_LIBS) \
	    -lpthread

bench-dupdb: $(DUPDB_BENCH)
	@$(DUPDB_BENCH)

tests-build: $(PROGS) $(UNIT_BIN) $(TOOL_BIN) $(DUPDB_BENCH)

deps:
	@sh tests/deps.sh

# Re-run make after deps so that pkg-config sees the new packages.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory run-tests

run-tests:
	@BUILD=$(BUILD) sh tests/run.sh

# The README's pictures of the Cockpit page: the ones the browser test
# (tests/integration/t_web.sh) took last, into docs/.
SHOTS = mailboxes scheduling troubleshooting routing wizard readonly
screenshots:
	@for s in $(SHOTS); do [ -f $(BUILD)/screenshots/$$s.png ] || \
	    { echo "screenshots: no $(BUILD)/screenshots/$$s.png: run TESTS=t_web.sh sh tests/run.sh first" >&2; exit 1; }; done
	install -d -m 0755 docs
	for s in $(SHOTS); do cp $(BUILD)/screenshots/$$s.png docs/cockpit-$$s.png || exit 1; done

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tests/demo.sh

# Benchmarks against fetchmail, getmail6 and mpop (not part of check).
bench:
	@sh tests/deps.sh bench
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh bench/run.sh

FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_COMMON = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 \
	-Iinclude -Ifetcher -Iplugin -Ictl $(PKG_CFLAGS)
FUZZ_CFLAGS = -fsanitize=fuzzer,address,undefined $(FUZZ_COMMON)

# ctl/'s parsers, without the verbs (they need popconnctl.c's main file).
CTL_FUZZ_SRC = $(wildcard ctl/fetchmailrc*.c ctl/cfgedit.c)

# The code under test is compiled once (sanitizers, fuzzer coverage) into
# build/fuzz/libfuzzall.a and each target links what it needs from it:
# compiling every source again per target made the 14 targets the
# slowest part of make check.
FUZZ_LIB_SRC = $(LIB_SRC) $(FETCHER_SRC) $(PLUGIN_SRC) $(HOOK_SRC) \
	$(CTL_FUZZ_SRC)
FUZZ_OBJ = $(FUZZ_LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZ_LIB = build/fuzz/libfuzzall.a

build/fuzz/obj/%.o: %.c $(wildcard include/*.h fetcher/*.h plugin/*.h \
    ctl/*.h)
	@mkdir -p $(dir $@)
	clang -fsanitize=fuzzer-no-link,address,undefined $(FUZZ_COMMON) \
	    -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(PKG_LIBS) \
	    $(if $(PLUGIN_SRC),$(MILTER_LIBS))

fuzz: deps $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        build/fuzz/corpus-$$n tests/fuzz/corpus/$$n \
	        2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	done

# Line coverage of the POP3 engine from its unit tests alone (gcov; the
# figures are quoted in README.md and fetcher/pop3_engine.c).
POP3_COV_TESTS = test_pop3 test_pop3_engine test_pop3_io
coverage-pop3:
	@$(MAKE) --no-print-directory BUILD=build/cov \
	    CFLAGS='--coverage -O0' LDFLAGS=--coverage \
	    $(POP3_COV_TESTS:%=build/cov/tests/%)
	@rm -f build/cov/fetcher/*.gcda
	@for t in $(POP3_COV_TESTS); do \
	    build/cov/tests/$$t >/dev/null 2>&1 || { echo "$$t failed"; exit 1; }; \
	done
	@cd build/cov && gcov -n -o fetcher fetcher/pop3.c \
	    fetcher/pop3_engine.c fetcher/pop3_auth.c fetcher/pop3_io.c \
	    2>/dev/null | grep -A1 '^File'

# popconn against Cyrus and Courier pop3d, unpacked from Debian's packages
# into the test's directory (tests/interop/run.sh); prints a matrix.
interop:
	@sh tests/deps.sh interop
	@$(MAKE) --no-print-directory tests-build
	@BUILD=$(BUILD) sh tests/interop/run.sh

# The long reliability and security runs; writes tests/RELIABILITY.md.
torture: deps
	@$(MAKE) --no-print-directory tests-build
	@BUILD=$(BUILD) sh tests/torture/run.sh

# Static analysis; fails on any finding.  tests/lint_funclen.sh (no
# function over 120 lines without a LONG: reason, no file over 900
# lines), cppcheck over the sources, clang-tidy (checks in .clang-tidy,
# every finding an error) one file per job on every core.  LINT_JOBS
# sets the number of jobs.
LINT_SRC  = $(LIB_SRC) $(FETCHER_SRC) $(PLUGIN_SRC) $(CTL_SRC) $(HOOK_SRC) \
	    $(wildcard fetcher/main.c plugin/main.c)
LINT_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

lint:
	sh tests/lint_funclen.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -j $(LINT_JOBS) -Iinclude -Ifetcher -Iplugin \
	    $(if $(CTL_SRC),-Ictl) lib fetcher plugin $(wildcard ctl)
	@echo "clang-tidy: $(words $(LINT_SRC)) files, $(LINT_JOBS) jobs"
	@printf '%s\n' $(LINT_SRC) | xargs -P $(LINT_JOBS) -I{} \
	    clang-tidy --quiet {} -- -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
	    -Iinclude -Ifetcher -Iplugin $(if $(CTL_SRC),-Ictl) \
	    $(PKG_CFLAGS) || { echo "lint: clang-tidy findings above"; \
	    exit 1; }

# Installation.  PREFIX, DESTDIR, sbindir, sysconfdir, mandir (above),
# unitdir (systemd units), localstatedir (state and spool directories),
# runstatedir (the run directory for a start without systemd; the
# units' RuntimeDirectory= is always /run/popconn), POPCONN_USER.
# Existing configuration is never overwritten.  With DESTDIR (packaging) or when not root, nothing is
# chowned, no user is created and no secret is generated: a package's
# postinst does that (make install-user; see INSTALL).
unitdir		?= /lib/systemd/system
localstatedir	?= /var
runstatedir	?= /run
POPCONN_USER	?= popconn
OPENSSL		?= openssl
CONF_SAMPLES	= popconn.cf routing routing.pcre
UNITS		= popconn-fetcher.service popconn-milter.service
P_CONF		= $(DESTDIR)$(sysconfdir)/popconn
P_STATE		= $(DESTDIR)$(localstatedir)/lib/popconn
P_SPOOL		= $(DESTDIR)$(localstatedir)/spool/popconn
# the milter's duplicate store (milter_state_directory)
P_MSTATE	= $(DESTDIR)$(localstatedir)/lib/popconn-milter
P_RUN		= $(DESTDIR)$(runstatedir)/popconn
# 1 when this is a real install by root (chown, user, secret).
P_REAL		= $$( [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && echo 1)
UNIT_SED	= sed -e 's|/usr/sbin/|$(sbindir)/|g' \
		  -e 's|/etc/popconn|$(sysconfdir)/popconn|g' \
		  -e 's|/var/lib/popconn|$(localstatedir)/lib/popconn|g' \
		  -e 's|/var/spool/popconn|$(localstatedir)/spool/popconn|g' \
		  -e 's|User=popconn|User=$(POPCONN_USER)|' \
		  -e 's|Group=popconn|Group=$(POPCONN_USER)|'

.PHONY: install-user
install-user:
	@if [ -n "$(DESTDIR)" ]; then \
	    echo "install-user: DESTDIR is set: not creating user $(POPCONN_USER) (the package's postinst should run 'make install-user')"; \
	elif [ "$$(id -u)" != 0 ]; then \
	    echo "install-user: not root: not creating user $(POPCONN_USER) (run 'make install-user' as root)"; \
	elif getent passwd $(POPCONN_USER) >/dev/null; then \
	    echo "install-user: user $(POPCONN_USER) exists"; \
	else \
	    getent group $(POPCONN_USER) >/dev/null || \
	        { groupadd --system $(POPCONN_USER) && \
	          echo "install-user: created group $(POPCONN_USER)"; } || exit 1; \
	    useradd --system --gid $(POPCONN_USER) --no-create-home \
	        --home-dir $(localstatedir)/lib/popconn \
	        --shell "$$(command -v nologin || echo /bin/false)" \
	        --comment "popconn POP3 connector" $(POPCONN_USER) && \
	    echo "install-user: created user $(POPCONN_USER)" || exit 1; \
	fi

install: all
	@$(MAKE) --no-print-directory install-user
	install -d -m 0755 $(DESTDIR)$(sbindir) $(P_CONF) $(DESTDIR)$(unitdir)
	install -m 0755 $(PROGS) $(DESTDIR)$(sbindir)/
	for m in man/*.[0-9]; do [ -f "$$m" ] || continue; s=$${m##*.}; \
	    install -d -m 0755 $(DESTDIR)$(mandir)/man$$s && \
	    install -m 0644 $$m $(DESTDIR)$(mandir)/man$$s/ || exit 1; done
	@for f in $(CONF_SAMPLES); do \
	    if [ -e $(P_CONF)/$$f ]; then echo "kept $(P_CONF)/$$f"; \
	    else echo "install -m 0644 conf/$$f $(P_CONF)/$$f"; \
	        install -m 0644 conf/$$f $(P_CONF)/$$f || exit 1; fi; \
	done
	@# mailboxes.cf names every ISP account and server: 0640 root:popconn.
	@if [ -e $(P_CONF)/mailboxes.cf ]; then echo "kept $(P_CONF)/mailboxes.cf"; \
	else echo "install -m 0640 conf/mailboxes.cf $(P_CONF)/mailboxes.cf"; \
	    install -m 0640 conf/mailboxes.cf $(P_CONF)/mailboxes.cf || exit 1; \
	    if [ "$(P_REAL)" = 1 ] && getent group $(POPCONN_USER) >/dev/null; \
	    then chgrp $(POPCONN_USER) $(P_CONF)/mailboxes.cf || exit 1; \
	    else echo "note: $(P_CONF)/mailboxes.cf is 0640 root:root: chgrp $(POPCONN_USER) it on the target"; fi; \
	fi
	@if [ -e $(P_CONF)/passwords ]; then echo "kept $(P_CONF)/passwords"; \
	else echo "install -m 0600 conf/passwords $(P_CONF)/passwords"; \
	    install -m 0600 conf/passwords $(P_CONF)/passwords || exit 1; \
	    if [ "$(P_REAL)" = 1 ] && getent passwd $(POPCONN_USER) >/dev/null; \
	    then chown $(POPCONN_USER): $(P_CONF)/passwords || exit 1; \
	    else echo "note: $(P_CONF)/passwords is not owned by $(POPCONN_USER): chown it before the fetcher starts"; fi; \
	fi
	@if [ -e $(P_CONF)/marker.key ]; then echo "kept $(P_CONF)/marker.key"; \
	elif [ "$(P_REAL)" = 1 ] && getent passwd $(POPCONN_USER) >/dev/null; then \
	    g=$$(id -gn $(POPCONN_USER)) && \
	    echo "generating $(P_CONF)/marker.key (0640 root:$$g)" && \
	    ( umask 077 && $(OPENSSL) rand -hex 32 >$(P_CONF)/marker.key.new ) && \
	    chgrp $$g $(P_CONF)/marker.key.new && \
	    chmod 0640 $(P_CONF)/marker.key.new && \
	    mv $(P_CONF)/marker.key.new $(P_CONF)/marker.key || \
	    { rm -f $(P_CONF)/marker.key.new; exit 1; }; \
	else echo "note: no $(P_CONF)/marker.key generated (DESTDIR or not root): create it on the target with (umask 027; openssl rand -hex 32 >marker.key); chgrp $(POPCONN_USER) marker.key"; fi
	for u in $(UNITS); do $(UNIT_SED) conf/$$u >$(DESTDIR)$(unitdir)/$$u.tmp && \
	    chmod 0644 $(DESTDIR)$(unitdir)/$$u.tmp && \
	    mv $(DESTDIR)$(unitdir)/$$u.tmp $(DESTDIR)$(unitdir)/$$u || exit 1; done
	install -d -m 0700 $(P_STATE) $(P_SPOOL) $(P_MSTATE)
	@if [ "$(P_REAL)" = 1 ] && getent passwd $(POPCONN_USER) >/dev/null; then \
	    install -d -m 0755 $(P_RUN) && \
	    chown $(POPCONN_USER): $(P_STATE) $(P_SPOOL) $(P_MSTATE) $(P_RUN) && \
	    echo "directories: $(P_STATE) $(P_SPOOL) $(P_MSTATE) (0700) $(P_RUN) (0755), owner $(POPCONN_USER)"; \
	else echo "note: $(P_STATE), $(P_SPOOL) and $(P_MSTATE) are not owned by $(POPCONN_USER) (DESTDIR or not root)"; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && \
	    [ "$(unitdir)" = /lib/systemd/system -o "$(unitdir)" = /etc/systemd/system -o "$(unitdir)" = /usr/lib/systemd/system ]; then \
	    systemctl daemon-reload; fi
	@# The Cockpit page; its manifest names this install's popconnctl.
	install -d -m 0755 $(DESTDIR)$(cockpitdir)
	install -m 0644 web/index.html web/popconn.js web/popconn.css $(DESTDIR)$(cockpitdir)/
	sed -e 's|/usr/sbin/popconnctl|$(sbindir)/popconnctl|' \
	    -e 's|/etc/popconn|$(sysconfdir)/popconn|' web/manifest.json \
	    >$(DESTDIR)$(cockpitdir)/manifest.json.tmp && \
	    chmod 0644 $(DESTDIR)$(cockpitdir)/manifest.json.tmp && \
	    mv $(DESTDIR)$(cockpitdir)/manifest.json.tmp $(DESTDIR)$(cockpitdir)/manifest.json
	@echo "installed.  Next: INSTALL, section 4 (first mailbox) and 5 (Postfix)."

# Programs, units and man pages only: configuration, state, the secret,
# mail and the popconn user stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(sbindir)/,$(notdir $(PROGS)))
	rm -f $(addprefix $(DESTDIR)$(unitdir)/,$(UNITS))
	for m in man/*.[0-9]; do [ -f "$$m" ] || continue; \
	    rm -f $(DESTDIR)$(mandir)/man$${m##*.}/$${m##*/}; done
	rm -f $(addprefix $(DESTDIR)$(cockpitdir)/,manifest.json index.html popconn.js popconn.css)
	-rmdir $(DESTDIR)$(cockpitdir) 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	    systemctl daemon-reload; fi
	@echo "uninstalled; kept $(P_CONF), $(P_STATE), $(P_SPOOL), $(P_MSTATE) and user $(POPCONN_USER)"

clean:
	rm -rf build
