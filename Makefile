# SPDX-License-Identifier: GPL-2.0
#
# Build the 6.1 kernel with the series in patches/ applied, boot it under
# QEMU with the selftests in an initramfs, and report their results.
#
#   make                  build, boot, run the tests, show the demo
#   make check            every test; last line "N passed, N failed, N skipped"
#   make bench            the series' vDSO getrandom() timed natively (rig/)
#   make lint             checkpatch, kernel-doc, uapi, vDSO, man page checks,
#                         and the builds: every prefix, W=1/sparse, i386,
#                         clang sanitizers, Debian's config (harness/builds.sh)
#   make check SERIES=none    the same tests on the unpatched base kernel
#   make check-debug      the same tests on a debug kernel (VARIANT=debug)
#   make check-sse2       the same tests with AVX2 hidden from the kernel
#   make check-distro     the same tests on the kernel of Debian's config
#   make deb              Debian packages of it (DEB_CONFIG=FILE for another)
#   make check EXTRA_TESTS=/abs/dir   also run that directory's executables
#   make check BOOT_ARGS="soak.seed=S"  add to the guest's command line
#   make vmtests-compare  6.1's mm selftests: this run against the base's
#   make export           write the commits of build/linux to patches/
#   make reset            drop build/linux's unexported commits and re-apply
#   make clean            remove build/
#
# Phases: deps unpack apply config build selftests glibc vmtests initramfs
# deb boot rig lint builds tests.
# Each is a target; stamps in build/ make a second run do only what changed.

# SERIES=none: the unpatched base; SERIES=FILE: the patches FILE lists
# (harness/bisect.sh gives each prefix of the series in turn).
SERIES ?= patches/series
# VARIANT=NAME: the same phases for another kernel, in a tree of its own
# (build/NAME/linux), configured with harness/NAME.config on top of
# harness/kernel.config, with the parameters below where it has them:
#   debug    KASAN, KFENCE, UBSAN, lockdep... (make check-debug)
#   distro   Debian's own amd64 configuration underneath, no test fragment
#            (make check-distro, make deb; DEB_CONFIG=FILE for another)
#   bisect   each prefix of the series in turn (harness/bisect.sh)
#   i386     a 32-bit kernel, built but not booted
#   kmsan kasan kcsan  clang, one instrumentation each: the x86 vDSO only
# bisect, i386 and the clang ones are built by make lint.
VARIANT ?=
EXTRA_TESTS ?=
DEB_CONFIG ?=
B := build
TREE := $(B)/linux
PHASE := sh harness/phase.sh

BASE_CONFIG_distro := $(or $(DEB_CONFIG),/usr/src/linux-config-6.1/config.amd64_none_amd64.xz)
FRAGMENTS_distro := harness/distro.config
# The environment of the variant's config and build phases.
KENV_i386 := ARCH=i386
KENV_kmsan := LLVM=-14 KCC=clang-14
KENV_kasan := $(KENV_kmsan)
KENV_kcsan := $(KENV_kmsan)
# What its build phase makes, if not bzImage and the uapi headers.
GOAL_kmsan := arch/x86/entry/vdso/
GOAL_kasan := $(GOAL_kmsan)
GOAL_kcsan := $(GOAL_kmsan)
# make check tests the kernel a user would install: the test kernel is
# built as Debian packages (kbuild's bindeb-pkg), and the boot phase runs
# the kernel of the linux-image package, unpacked (harness/deb.sh).
ifeq ($(VARIANT)$(filter none,$(SERIES)),)
PACKAGED := yes
endif
GOAL ?= $(if $(PACKAGED),bindeb-pkg headers,$(GOAL_$(VARIANT)))
# The packages' version: Debian's of the source, then ours (bindeb-pkg
# reads it from the environment). Expanded when a recipe runs, not when
# make starts: on a bare machine linux-source-6.1 comes with the deps phase.
DEB_VERSION ?= $(shell dpkg-query -W -f='$${Version}' linux-source-6.1 2>/dev/null)+droppable1
export KDEB_PKGVERSION = $(DEB_VERSION)

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
BASE_CONFIG := $(or $(BASE_CONFIG_$(VARIANT)),tinyconfig)
FRAGMENTS := $(or $(FRAGMENTS_$(VARIANT)),harness/kernel.config $(wildcard harness/$(VARIANT).config))
KENV := $(KENV_$(VARIANT))
KERNEL := $(if $(PACKAGED),$(STAMP)deb/vmlinuz,$(KTREE)/arch/x86/boot/bzImage)
BOOT_ARGS ?=
# The patched tree of this run: its selftests run in the guest, also on
# the unpatched base kernel.
PTREE := $(if $(filter none,$(SERIES)),$(TREE),$(KTREE))
APPLIED := $(dir $(PTREE)).applied

# The series applied to PTREE: SERIES=none still takes its tests from it.
APPLY := $(if $(filter none,$(SERIES)),patches/series,$(SERIES))
PATCHES := $(APPLY) $(wildcard patches/*.patch)

all: check demo

check: tests

deps: $(B)/.deps
$(B)/.deps: harness/deps.sh
	@mkdir -p $(B)
	@$(PHASE) deps sh harness/deps.sh
	@touch $@

# The first tree comes from Debian's tarball; the base's and each
# variant's are clones of its base commit.
unpack: $(KTREE)/.git
$(TREE)/.git: | $(B)/.deps
	@$(PHASE) unpack sh harness/unpack.sh $(@D)
ifneq ($(KTREE),$(TREE))
$(KTREE)/.git: | $(TREE)/.git
	@mkdir -p $(dir $(@D))
	@$(PHASE) unpack sh harness/unpack.sh $(@D) $(TREE)
endif

apply: $(APPLIED)
$(APPLIED): $(PATCHES) harness/apply.sh $(PTREE)/.git
	@$(PHASE) apply sh harness/apply.sh $(PTREE) $(APPLY)
	@touch $@

ifeq ($(SERIES),none)
$(STAMP).config: $(FRAGMENTS) $(KTREE)/.git
else
$(STAMP).config: $(FRAGMENTS) $(filter-out tinyconfig,$(BASE_CONFIG)) $(APPLIED) \
	$(if $(DEB_CONFIG),FORCE)
endif
	@$(KENV) $(PHASE) config sh harness/config.sh $(KTREE) $(BASE_CONFIG) $(FRAGMENTS)
	@touch $@
config: $(STAMP).config

# Kbuild knows what changed, also after a commit made by hand in the tree.
build: $(STAMP).config FORCE
	@$(KENV) $(PHASE) build sh harness/build.sh $(KTREE) $(GOAL)

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

boot: initramfs $(if $(PACKAGED),packages)
	@BOOT_ARGS="$(strip $(VARIANT_ARGS_$(VARIANT)) $(BOOT_ARGS))" $(VARIANT_TIMEOUTS_$(VARIANT)) \
		$(PHASE) boot sh harness/boot.sh $(KERNEL) $(RUN).cpio $(RUN) || true

# Debian packages of the patched kernel (kbuild's bindeb-pkg, version
# $(DEB_VERSION)), from Debian's configuration (DEB_CONFIG=FILE for
# another), in build/distro/deb; installing them: README.md.
deb:
	@$(MAKE) --no-print-directory packages VARIANT=$(or $(VARIANT),distro) GOAL=bindeb-pkg
packages: build
	@$(PHASE) deb sh harness/deb.sh $(KTREE) $(STAMP)deb $(DEB_VERSION)

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
lint: $(B)/.applied $(B)/init
	@mkdir -p $(B)/lint
	@$(PHASE) lint sh harness/lint.sh $(TREE) patches $(B)/lint/results
	@MAKE="$(MAKE)" $(PHASE) builds sh harness/builds.sh $(B)/lint/builds.results

# The rig tests the series' code, not a kernel: once, with the test kernel;
# so does lint.
ifeq ($(VARIANT),)
ifneq ($(SERIES),none)
REPORTS := $(B)/deb/results $(RUN)/results $(B)/rig/results $(B)/lint/results \
	$(B)/lint/builds.results
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

# The kernel of Debian's own configuration (built-ins only: the guest
# loads no modules), booted with every guest test.
check-distro:
	@$(MAKE) --no-print-directory check VARIANT=distro

export:
	@sh harness/export.sh $(TREE) patches

reset:
	@git -C $(TREE) reset -q --hard base && rm -f $(B)/.applied
	@$(MAKE) --no-print-directory apply

clean:
	rm -rf $(B)

FORCE:
.PHONY: all check check-debug check-sse2 check-distro deb packages deps unpack apply config build selftests initramfs boot \
	tests demo glibc lint vmtests vmtests-compare vmtests-base rig bench export reset clean FORCE
