# SPDX-License-Identifier: GPL-2.0
#
# Build the 6.1 kernel with the series in patches/ applied, boot it under
# QEMU with the selftests in an initramfs, and report their results.
#
#   make                  build, boot, run the tests, show the demo
#   make check            every test; last line "N passed, N failed, N skipped"
#   make bench            the series' vDSO getrandom() timed natively (rig/)
#   make lint             checkpatch, kernel-doc, uapi, vDSO, man page checks
#   make check SERIES=none    the same tests on the unpatched base kernel
#   make check-debug      the same tests on a debug kernel (VARIANT=debug)
#   make check-sse2       the same tests with AVX2 hidden from the kernel
#   make check EXTRA_TESTS=/abs/dir   also run that directory's executables
#   make check BOOT_ARGS="soak.seed=S"  add to the guest's command line
#   make vmtests-compare  6.1's mm selftests: this run against the base's
#   make export           write the commits of build/linux to patches/
#   make reset            drop build/linux's unexported commits and re-apply
#   make clean            remove build/
#
# Phases: deps unpack apply config build selftests glibc vmtests initramfs
# boot rig tests.
# Each is a target; stamps in build/ make a second run do only what changed.

SERIES ?= patches/series
# VARIANT=debug: the same phases for another kernel, in a tree of its own
# (build/debug/linux), configured with harness/debug.config on top.
VARIANT ?=
EXTRA_TESTS ?=
B := build
TREE := $(B)/linux
PHASE := sh harness/phase.sh

ifeq ($(SERIES),none)
KTREE := $(B)/base/linux
RUN := $(B)/run-none
else ifneq ($(VARIANT),)
KTREE := $(B)/$(VARIANT)/linux
RUN := $(B)/run-$(VARIANT)
else
KTREE := $(TREE)
RUN := $(B)/run
endif
STAMP := $(dir $(KTREE))
FRAGMENTS := harness/kernel.config $(if $(VARIANT),harness/$(VARIANT).config)
# What a variant adds to the kernel command line; BOOT_ARGS (a user's, for
# example a test's seed) comes after it. Under TCG the debug kernel is too
# slow for ACPI's PCI interrupt routing (the _PRT method's loop times out
# and virtio-rng gets no interrupt, so the CRNG never becomes ready): the
# BIOS's routing table is used instead. And 5-level paging is off: with
# it, 6.1's KASAN once reported a wild access in rcu_is_watching() from an
# interrupt taken during the boot CPU's identification, before any test.
VARIANT_ARGS_debug := no5lvl pci=noacpi harness.slow=10
# and its tests take many times longer
VARIANT_TIMEOUTS_debug := TEST_TIMEOUT=$${TEST_TIMEOUT:-3600} BOOT_TIMEOUT=$${BOOT_TIMEOUT:-14400}
BOOT_ARGS ?=
# The patched tree of this run: its selftests run in the guest, also on
# the unpatched base kernel.
PTREE := $(if $(filter none,$(SERIES)),$(TREE),$(KTREE))
APPLIED := $(dir $(PTREE)).applied

PATCHES := patches/series $(wildcard patches/*.patch)

all: check demo

check: tests

deps: $(B)/.deps
$(B)/.deps: harness/deps.sh
	@mkdir -p $(B)
	@$(PHASE) deps sh harness/deps.sh
	@touch $@

unpack: $(KTREE)/.git
$(sort $(PTREE)/.git $(KTREE)/.git): | $(B)/.deps
	@mkdir -p $(dir $(@D))
	@$(PHASE) unpack sh harness/unpack.sh $(@D)

apply: $(APPLIED)
$(APPLIED): $(PATCHES) harness/apply.sh $(PTREE)/.git
	@$(PHASE) apply sh harness/apply.sh $(PTREE) patches/series
	@touch $@

ifeq ($(SERIES),none)
$(STAMP).config: $(FRAGMENTS) $(KTREE)/.git
else
$(STAMP).config: $(FRAGMENTS) $(APPLIED)
endif
	@$(PHASE) config sh harness/config.sh $(KTREE) $(FRAGMENTS)
	@touch $@
config: $(STAMP).config

# Kbuild knows what changed, also after a commit made by hand in the tree.
build: $(STAMP).config FORCE
	@$(PHASE) build sh harness/build.sh $(KTREE)

selftests: $(APPLIED) FORCE
	@$(PHASE) selftests sh harness/selftests.sh $(PTREE) harness/tests $(B)/tests

GUEST_CC := gcc -static -O2 -Wall -Wextra
DEMOS := $(patsubst guest/demo/%.c,$(B)/demo/%,$(wildcard guest/demo/*.c))

$(B)/init: guest/init.c | $(B)/.deps
	@$(GUEST_CC) -o $@ $<
$(B)/demo/%: guest/demo/%.c guest/vdso.h | $(B)/.deps
	@mkdir -p $(@D)
	@$(GUEST_CC) -o $@ $<

# The harness's own guest tests, guest/NAME/NAME.c (but guest/vmtests,
# which harness/vmtests.sh builds with its table), run after the
# kselftests and glibc's in the order of their names: mmfuzz (seeded
# random mm operations on droppable VMAs and their neighbours), soak (zram
# swap, a tight memcg, droppable and plain memory under churn), vmfork
# (asks the host, harness/vm.sh, to clone the VM).
GUEST_TESTS := $(patsubst guest/%/,$(B)/guest-tests/%,$(dir $(wildcard guest/*/*.c)))
GUEST_TESTS := $(filter-out $(B)/guest-tests/demo $(B)/guest-tests/glibc $(B)/guest-tests/vmtests,$(GUEST_TESTS))
.SECONDEXPANSION:
$(GUEST_TESTS): $(B)/guest-tests/%: guest/$$*/$$*.c $(wildcard guest/*.h) | $(B)/.deps
	@mkdir -p $(@D)
	@$(GUEST_CC) -pthread -o $@ $<

# glibc 2.41 (Debian 13's libc6, the first to call __vdso_getrandom) and
# the system's 2.36, for the guest test of an unmodified C library.
glibc: $(B)/glibc/client $(B)/glibc/test
$(B)/glibc/.fetched: harness/glibc.sh | $(B)/.deps
	@$(PHASE) glibc sh harness/glibc.sh $(B)/glibc
	@touch $@
$(B)/glibc/client: guest/glibc/client.c guest/glibc/phases.h $(B)/glibc/.fetched
	@gcc -O2 -Wall -Wextra -pthread -o $@ $<
$(B)/glibc/test: guest/glibc/glibc.c guest/glibc/phases.h $(B)/glibc/.fetched
	@$(GUEST_CC) -o $@ $<

# 6.1's own mm selftests, the regression bar: harness/vmtests.list says
# which run, and why the others do not; guest/vmtests runs them.
vmtests: $(APPLIED) FORCE
	@$(PHASE) vmtests sh harness/vmtests.sh $(PTREE) $(B)/vmtests

initramfs: build selftests glibc vmtests $(B)/init $(DEMOS) $(GUEST_TESTS)
	@$(PHASE) initramfs sh harness/initramfs.sh $(RUN).cpio $(B)/init \
		$(B)/tests harness/tests $(B)/demo $(B)/glibc $(B)/guest-tests \
		$(B)/vmtests $(EXTRA_TESTS)

boot: initramfs
	@BOOT_ARGS="$(strip $(VARIANT_ARGS_$(VARIANT)) $(BOOT_ARGS))" $(VARIANT_TIMEOUTS_$(VARIANT)) \
		$(PHASE) boot sh harness/boot.sh $(KTREE)/arch/x86/boot/bzImage \
		$(RUN).cpio $(RUN) || true

# The native rig: the series' own vDSO getrandom() code in host programs,
# under sanitizers and a fuzzer (rig/README.md). Not for the base kernel.
rig: $(B)/.applied
	@$(PHASE) rig $(MAKE) --no-print-directory -s -C rig check \
		RESULTS=$(CURDIR)/$(B)/rig/results

bench: $(B)/.applied
	@$(MAKE) --no-print-directory -s -C rig bench

# What a maintainer runs on the series before taking it (harness/lint.sh):
# checkpatch, kernel-doc, uapi headers, the vDSO's instrumentation opt-outs,
# the man page.
lint: $(B)/.applied
	@mkdir -p $(B)/lint
	@$(PHASE) lint sh harness/lint.sh $(TREE) patches $(B)/lint/results

# The rig tests the series' code, not a kernel: once, with the test kernel;
# so does lint.
ifeq ($(VARIANT),)
ifneq ($(SERIES),none)
REPORTS := $(RUN)/results $(B)/rig/results $(B)/lint/results
tests: rig lint
endif
endif
REPORTS ?= $(RUN)/results

# Not a timed phase: the summary line must be the last one printed.
tests: boot
	@echo "==> tests"
	@sh harness/report.sh $(REPORTS)

demo: boot
	@sh harness/demo.sh $(RUN)/results

# The regression bar: this run's 6.1 mm selftests against the unpatched
# base kernel's (harness/vmtests.base, committed). vmtests-base records
# the base's again, from a SERIES=none run, whose series tests fail.
vmtests-compare:
	@sh harness/vmtests.sh compare harness/vmtests.base $(RUN)/results
vmtests-base:
	@$(MAKE) --no-print-directory check SERIES=none || true
	@sed -n '/^TEST tests\/[0-9]*-vmtests$$/,/^EXIT tests\/[0-9]*-vmtests /p' \
		$(B)/run-none/results >harness/vmtests.base
	@grep -q '^EXIT' harness/vmtests.base || { echo "vmtests-base: no vmtests results in $(B)/run-none/results" >&2; exit 1; }
	@sh harness/vmtests.sh compare harness/vmtests.base harness/vmtests.base

# The same kernel and tests on a CPU without AVX2 (the kernel is told to
# ignore it): the vDSO's alternatives keep the SSE2 ChaCha20 code.
check-sse2:
	@$(MAKE) --no-print-directory tests RUN=$(B)/run-sse2 \
		BOOT_ARGS="$(strip clearcpuid=avx2 $(BOOT_ARGS))"

check-debug:
	@$(MAKE) --no-print-directory check VARIANT=debug

export:
	@sh harness/export.sh $(TREE) patches

reset:
	@git -C $(TREE) reset -q --hard base && rm -f $(B)/.applied
	@$(MAKE) --no-print-directory apply

clean:
	rm -rf $(B)

FORCE:
.PHONY: all check check-debug check-sse2 deps unpack apply config build selftests initramfs boot \
	tests demo glibc lint vmtests vmtests-compare vmtests-base rig bench export reset clean FORCE
