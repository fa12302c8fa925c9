# popconn - POP3 connector for Postfix.  GNU make; no autotools.
#
#   make            build everything (warnings are errors)
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, run the demo
#   make deps       install the Debian packages (root; idempotent)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make bench      popconn against fetchmail, getmail6, mpop (bench/)
#   make lint       cppcheck and clang-tidy
#   make install    PREFIX, DESTDIR, sbindir, sysconfdir, mandir
#   SANITIZE=1      build and test with ASan+UBSan (in build/san)

CC		?= cc
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
sbindir		?= $(PREFIX)/sbin
sysconfdir	?= /etc
mandir		?= $(PREFIX)/share/man
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

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags openssl libpcre2-8 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs openssl libpcre2-8 2>/dev/null)

ALL_CFLAGS  = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) \
	      $(HARDEN) -fno-common -Iinclude $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SANLD) $(LDFLAGS)

LIB_SRC     = $(wildcard lib/*.c)
FETCHER_SRC = $(filter-out fetcher/main.c,$(wildcard fetcher/*.c))
PLUGIN_SRC  = $(filter-out plugin/main.c,$(wildcard plugin/*.c))
UNIT_SRC    = $(wildcard tests/unit/test_*.c)
TOOL_SRC    = $(wildcard tests/tools/*.c)

LIB_OBJ     = $(LIB_SRC:%.c=$(BUILD)/%.o)
FETCHER_OBJ = $(FETCHER_SRC:%.c=$(BUILD)/%.o)
PLUGIN_OBJ  = $(PLUGIN_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN    = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

LIBPC       = $(BUILD)/libpopconn.a
LIBFETCH    = $(BUILD)/libfetcher.a
LIBPLUGIN   = $(BUILD)/libplugin.a
FETCHER     = $(BUILD)/popconn-fetcher
MILTER      = $(BUILD)/popconn-milter
CTL         = $(BUILD)/popconnctl
CTL_SRC     = $(wildcard ctl/*.c)
CTL_OBJ     = $(CTL_SRC:%.c=$(BUILD)/%.o)
PROGS       = $(FETCHER) $(if $(wildcard plugin/main.c),$(MILTER)) \
	      $(if $(CTL_SRC),$(CTL))
MILTER_LIBS = -lmilter -lpthread

.PHONY: all check demo deps fuzz lint install uninstall clean tests-build \
	run-tests bench

all: $(PROGS)

$(BUILD)/%.o: %.c $(wildcard include/*.h fetcher/*.h plugin/*.h ctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin -c -o $@ $<

$(LIBPC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBFETCH): $(FETCHER_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(FETCHER): $(BUILD)/fetcher/main.o $(LIBFETCH) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(CTL): $(CTL_OBJ) $(LIBFETCH) $(if $(PLUGIN_SRC),$(LIBPLUGIN)) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) \
	    $(if $(PLUGIN_SRC),$(MILTER_LIBS))

$(LIBPLUGIN): $(PLUGIN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MILTER): $(BUILD)/plugin/main.o $(LIBPLUGIN) $(LIBPC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MILTER_LIBS)

# Unit tests link every library; the linker takes only what they use.
TEST_LIBS = $(LIBFETCH) $(if $(PLUGIN_SRC),$(LIBPLUGIN)) $(LIBPC)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin $(ALL_LDFLAGS) -o $@ $< \
	    $(TEST_LIBS) $(PKG_LIBS) $(if $(PLUGIN_SRC),$(MILTER_LIBS)) -lcmocka

$(BUILD)/tests/%: tests/tools/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifetcher -Iplugin $(ALL_LDFLAGS) -o $@ $< \
	    $(TEST_LIBS) $(PKG_LIBS) $(if $(PLUGIN_SRC),$(MILTER_LIBS))

tests-build: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)

deps:
	@sh tests/deps.sh

# Re-run make after deps so that pkg-config sees the new packages.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory run-tests

run-tests:
	@BUILD=$(BUILD) sh tests/run.sh

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
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 \
	-fsanitize=fuzzer,address,undefined -Iinclude -Ifetcher -Iplugin \
	$(PKG_CFLAGS)

build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(FETCHER_SRC) $(PLUGIN_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(FETCHER_SRC) \
	    $(PLUGIN_SRC) $(PKG_LIBS) $(if $(PLUGIN_SRC),$(MILTER_LIBS))

fuzz: deps $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        build/fuzz/corpus-$$n tests/fuzz/corpus/$$n \
	        2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	done

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -Iinclude -Ifetcher -Iplugin lib fetcher plugin \
	    $(wildcard ctl)
	clang-tidy --quiet $(LIB_SRC) $(FETCHER_SRC) $(PLUGIN_SRC) \
	    $(wildcard fetcher/main.c plugin/main.c) -- -std=c11 \
	    -D_DEFAULT_SOURCE -D_GNU_SOURCE -Iinclude -Ifetcher -Iplugin \
	    $(PKG_CFLAGS)

install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(sysconfdir)/popconn
	install -m 0755 $(PROGS) $(DESTDIR)$(sbindir)/
	for f in popconn.cf mailboxes.cf; do \
	    [ -e $(DESTDIR)$(sysconfdir)/popconn/$$f ] || \
	    install -m 0644 conf/$$f $(DESTDIR)$(sysconfdir)/popconn/$$f; \
	done
	[ -e $(DESTDIR)$(sysconfdir)/popconn/passwords ] || \
	    install -m 0600 conf/passwords $(DESTDIR)$(sysconfdir)/popconn/passwords
	if [ -d man ] && ls man/*.[0-9] >/dev/null 2>&1; then \
	    for m in man/*.[0-9]; do s=$${m##*.}; \
	        install -d $(DESTDIR)$(mandir)/man$$s; \
	        install -m 0644 $$m $(DESTDIR)$(mandir)/man$$s/; done; \
	fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(sbindir)/,$(notdir $(PROGS)))

clean:
	rm -rf build
