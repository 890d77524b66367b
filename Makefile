# SPDX-License-Identifier: BSD-2-Clause
# vizbpf: out-of-tree build into $(OUTPUT). `make V=1` shows the commands.

# make test-unit SANITIZE=1: the unit tests built with ASan and UBSan, apart in .output/sanitize.
ifeq ($(SANITIZE),1)
OUTPUT ?= .output/sanitize
EXTRA_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
EXTRA_LDFLAGS += -fsanitize=address,undefined
endif
OUTPUT ?= .output
override OUTPUT := $(abspath $(OUTPUT))
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifneq ($(ARCH),x86)
ifeq ($(VMLINUX_H),)
$(error vmlinux/vmlinux.h is for x86_64; on $(ARCH) run 'make vmlinux' first or pass VMLINUX_H=)
endif
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror=undef -Werror=implicit-function-declaration -std=gnu11 \
	  -D_GNU_SOURCE -DVIZBPF_VERSION='"$(VERSION)"' -I. -Ibpf -I$(OUTPUT) $(EXTRA_CFLAGS)
ifeq ($(CI),true)
CFLAGS += -Werror
endif
LDLIBS_CORE := -lelf -lz -lisal -lpthread
# libmicrohttpd is opened by `vizbpf view` only (user/view/mhd.h), by its soname.
MHD_SONAME := $(shell objdump -p "$$($(CC) -print-file-name=libmicrohttpd.so)" 2>/dev/null | awk '/SONAME/ {print $$2}')
LDLIBS := -lbpf -ldl $(LDLIBS_CORE) $(EXTRA_LDFLAGS)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf \
	      -I/usr/include/$(MULTIARCH) -Wall -Wno-unused-function

SYMBOLS_SRCS := $(wildcard symbols/*.c)
EXPORT_SRCS := $(wildcard export/*.c)
USER_SRCS := $(filter-out user/preload/%,$(wildcard user/*/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
CORE_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(SYMBOLS_SRCS) $(EXPORT_SRCS))
USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS))
UNIT_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(UNIT_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(CURDIR)/%,%,$(2))";
endif

.PHONY: all clean test test-unit test-unit-sanitize test-cli check-layers fuzz fuzz-smoke bench fidelity deps vmlinux viewer demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/vizbpf $(OUTPUT)/libvizbpf-eval.so viewer $(OUTPUT)/share/vizbpf_events.py

# Custom events: the pure-Python module users copy next to their program.
$(OUTPUT)/share/vizbpf_events.py: share/vizbpf_events.py | $(OUTPUT)
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) bpf/vizbpf.h vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

# The viewer page's script and style, built in as C arrays (html_page_js, html_page_css).
PAGE_FILES := $(wildcard export/page/*.js export/page/*.css)
PAGE_HDRS := $(patsubst %,$(OUTPUT)/%.h,$(PAGE_FILES))

$(OUTPUT)/export/page/%.h: export/page/% export/page/embed.sh | $(OUTPUT)
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)bash export/page/embed.sh html_$(subst .,_,$*) $< > $@

$(OUTPUT)/export/html_report.o: $(PAGE_HDRS)

# System call names of this architecture (symbols/syscalls.c), from the C library's headers.
$(OUTPUT)/syscall_names.h: symbols/gen-syscalls.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh symbols/gen-syscalls.sh "$(CC)" > $@.tmp && mv $@.tmp $@

$(OUTPUT)/symbols/syscalls.o: $(OUTPUT)/syscall_names.h

# Only the loader includes the skeleton; give every user object the dependency.
$(USER_OBJS): $(OUTPUT)/vizbpf.skel.h $(OUTPUT)/procwatch.skel.h $(OUTPUT)/forkstop.skel.h

$(OUTPUT)/user/view/mhd.o: CFLAGS += $(if $(MHD_SONAME),-DVZ_MHD_SONAME='"$(MHD_SONAME)"')

$(OUTPUT)/%.o: %.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/vizbpf: $(USER_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# Loaded into the traced interpreter in launch mode (probe sites on 5-byte nops).
EVAL_LIB_SRCS := user/preload/evalhook.c user/preload/stackseg.c
$(OUTPUT)/libvizbpf-eval.so: $(EVAL_LIB_SRCS) user/preload/stackseg.h bpf/vizbpf.h | $(OUTPUT)
	$(call msg,LIB,$@)
	$(Q)$(CC) -O2 -fPIC -shared -Wall -Wextra -std=gnu11 -Ibpf $(EVAL_LIB_SRCS) -ldl -lpthread -o $@

# Unit tests: symbols/ and export/ only, no libbpf, no root, no clang.
$(OUTPUT)/tests/unit/registry.h: $(UNIT_SRCS) | $(OUTPUT)
	$(Q)mkdir -p $(dir $@)
	$(Q)sed -n -E 's/^void (test_[a-zA-Z0-9_]+)\((void)?\).*/DEFINE_TEST(\1)/p' $(UNIT_SRCS) > $@.tmp && mv $@.tmp $@

$(OUTPUT)/tests/unit/runner.o: tests/unit/runner.c $(OUTPUT)/tests/unit/registry.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/tests/unit -c $< -o $@

# user/slices/events.c and holds.c are plain C over records: unit-tested too (built here
# without the skeleton).
$(OUTPUT)/tests/unit/user_%.o: user/slices/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The records -> slices code of user/slices/ that links without libbpf: unit-tested and fuzzed.
SLICES_PLAIN := events holds kslices kcpu kmem gcslices excslices customev auditev funcargs printev sparse asynctasks

$(OUTPUT)/tests/unit_runner: $(OUTPUT)/tests/unit/runner.o $(UNIT_OBJS) $(CORE_OBJS) \
			     $(patsubst %,$(OUTPUT)/tests/unit/user_%.o,$(SLICES_PLAIN))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS_CORE) $(EXTRA_LDFLAGS) -o $@

$(OUTPUT)/tests/fixtures/fakepy.so: tests/fixtures/fakepy.c | $(OUTPUT)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -shared -fPIC -g -O0 -Wl,-soname,libpython3.99.so.1.0 $< -o $@

# user/ is layered (user/*/README.md): no file includes a header of a layer above its own.
check-layers:
	$(Q)tests/tools/check_layers.sh

test-unit: check-layers $(OUTPUT)/tests/unit_runner $(if $(wildcard tests/fixtures/fakepy.c),$(OUTPUT)/tests/fixtures/fakepy.so)
	$(Q)cd tests/unit && VIZBPF_FIXTURES=$(OUTPUT)/tests/fixtures $(OUTPUT)/tests/unit_runner

test-cli: $(OUTPUT)/vizbpf $(OUTPUT)/libvizbpf-eval.so viewer $(OUTPUT)/share/vizbpf_events.py
	$(Q)VIZBPF=$(OUTPUT)/vizbpf bats --print-output-on-failure tests/cli

# The unit tests under ASan+UBSan, and a short run of each fuzzer, before the bats tests.
test-unit-sanitize:
	$(Q)$(MAKE) --no-print-directory test-unit SANITIZE=1

test: test-unit test-unit-sanitize fuzz-smoke test-cli

# libFuzzer targets (tests/fuzz/fuzz_*.c) for the parsers of untrusted input, no root:
# `make fuzz FUZZ_SECONDS=30` runs each that long; corpora grow in .output/fuzz/corpus.
FUZZ_SECONDS ?= 30
FUZZ_OUT := $(abspath .output/fuzz)
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -DVIZBPF_VERSION='"$(VERSION)"' -I. -Ibpf \
	       -I$(FUZZ_OUT)/gen
FUZZ_LIB_SRCS := $(SYMBOLS_SRCS) $(EXPORT_SRCS) $(patsubst %,user/slices/%.c,$(SLICES_PLAIN))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_OUT)/obj/%.o: %.c $(patsubst %,$(FUZZ_OUT)/gen/%.h,$(PAGE_FILES))
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

-include $(FUZZ_LIB_OBJS:.o=.d)

$(FUZZ_OUT)/gen/syscall_names.h: symbols/gen-syscalls.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)sh symbols/gen-syscalls.sh "$(CC)" > $@.tmp && mv $@.tmp $@

$(FUZZ_OUT)/obj/symbols/syscalls.o: $(FUZZ_OUT)/gen/syscall_names.h

$(FUZZ_OUT)/gen/export/page/%.h: export/page/% export/page/embed.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)bash export/page/embed.sh html_$(subst .,_,$*) $< > $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< $(FUZZ_LIB_OBJS) $(LDLIBS_CORE) -o $@

# Seeds: a real ELF, this process's maps, interpreter file names.
$(FUZZ_OUT)/seeds.stamp:
	$(Q)mkdir -p $(FUZZ_OUT)/corpus/fuzz_elf $(FUZZ_OUT)/corpus/fuzz_procmaps \
		$(FUZZ_OUT)/corpus/fuzz_pyversion $(FUZZ_OUT)/corpus/fuzz_json $(FUZZ_OUT)/corpus/fuzz_events \
		$(FUZZ_OUT)/corpus/fuzz_pycmdline
	$(Q)cp /usr/bin/true $(FUZZ_OUT)/corpus/fuzz_elf/true
	$(Q)cat /proc/self/maps > $(FUZZ_OUT)/corpus/fuzz_procmaps/maps
	$(Q)for n in libpython3.11.so.1.0 python3.12d libpython3.8d.so python3.13t; do \
		printf %s $$n > $(FUZZ_OUT)/corpus/fuzz_pyversion/$$n; done
	$(Q)printf '@python3\0-Wignore\0-m\0http.server\0' > $(FUZZ_OUT)/corpus/fuzz_pycmdline/m
	$(Q)printf '@python3\0-Bu\0/srv/app.py\0--x\0' > $(FUZZ_OUT)/corpus/fuzz_pycmdline/script
	$(Q)touch $@

fuzz: $(FUZZ_TARGETS) $(FUZZ_OUT)/seeds.stamp
	$(Q)for f in $(FUZZ_TARGETS); do \
		n=$$(basename $$f); echo "  FUZZ     $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=0 \
			-artifact_prefix=$(FUZZ_OUT)/crash-$$n- $(FUZZ_OUT)/corpus/$$n \
			>$(FUZZ_OUT)/$$n.log 2>&1 || { tail -60 $(FUZZ_OUT)/$$n.log; exit 1; }; \
	done

# CI: a few seconds of each.
fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(or $(FUZZ_SMOKE_SECONDS),5)

# The bundled example: trace tests/targets/mixed.py into result.json.
demo: all
	$(OUTPUT)/vizbpf -o result.json -- python3 tests/targets/mixed.py

bench: $(OUTPUT)/vizbpf $(OUTPUT)/libvizbpf-eval.so
	$(Q)VIZBPF=$(OUTPUT)/vizbpf bash tests/bench/run.sh

# Real code (CPython's test suites, stdlib tools) against the oracle: a harness for
# humans, not part of `make test`. FIDELITY_ALL=1: every interpreter (see the script).
fidelity: $(OUTPUT)/vizbpf $(OUTPUT)/libvizbpf-eval.so
	$(Q)VIZBPF=$(OUTPUT)/vizbpf FIDELITY_OUT=$(OUTPUT)/fidelity bash tests/fidelity/run.sh

# Everything the project needs from Debian (run once, as root), and the viewer tests' npm package.
deps:
	apt-get update
	apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libisal-dev \
		libmicrohttpd-dev pkg-config make gcc bats jq python3 gdb curl gzip util-linux \
		chromium ca-certificates
	command -v npm >/dev/null || apt-get install -y --no-install-recommends nodejs npm
	tests/view/install.sh

# Catapult's trace viewer, taken from Debian's golang-1.19-src at set-up time (never committed).
VIEWER_DIR := $(OUTPUT)/share/viewer
viewer: $(VIEWER_DIR)/trace_viewer_full.html

$(VIEWER_DIR)/trace_viewer_full.html: | $(OUTPUT)
	$(call msg,VIEWER,$@)
	$(Q)rm -rf $(OUTPUT)/golang-src && mkdir -p $(OUTPUT)/golang-src $(VIEWER_DIR)
	$(Q)cd $(OUTPUT)/golang-src && apt-get download golang-1.19-src >/dev/null && dpkg -x golang-1.19-src_*.deb x
	$(Q)cp $(OUTPUT)/golang-src/x/usr/share/go-1.19/src/cmd/trace/static/trace_viewer_full.html \
	       $(OUTPUT)/golang-src/x/usr/share/go-1.19/src/cmd/trace/static/webcomponents.min.js $(VIEWER_DIR)/
	$(Q)rm -rf $(OUTPUT)/golang-src

# Regenerate the checked-in vmlinux.h from the running kernel (explicit, never part of all).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
vmlinux:
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > vmlinux/vmlinux.h.tmp
	sed -i "1i /* Generated by 'make vmlinux' from $(VMLINUX_BTF) of Linux $$(uname -r). */" vmlinux/vmlinux.h.tmp
	mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h

$(OUTPUT):
	$(Q)mkdir -p $@

clean:
	rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/unit/*.d)
