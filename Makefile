# grid_marketing — PGXS build plus the project's own targets (demo, test, bench, stress).
EXTENSION  = grid_marketing
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = $(EXTENSION)
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# One source of SQL: the install script of the current version is built from one section per
# domain (sql/parts/NN_domain.sql) into build/, as pgvector builds its script.  A release is a
# git tag v<version>; the tree keeps only what old installs need, the upgrade scripts
# sql/grid_marketing--A--B.sql (test/scripts/upgrade.sh takes the released install scripts
# from git to prove every path gives a fresh install's catalog and configuration).
DATA_built = build/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(wildcard sql/$(EXTENSION)--*--*.sql)
DOCS       = $(wildcard doc/*.md)

# pg_regress: every sql/<feature>.sql except the extension scripts
REGRESS      = $(sort $(patsubst sql/%.sql,%,$(filter-out $(wildcard sql/$(EXTENSION)--*.sql),$(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=postgis --load-extension=pg_trgm --load-extension=$(EXTENSION)

# src/compat.h, the one header of shims between PostgreSQL major versions, goes into every
# object first (it includes postgres.h itself).
PG_CPPFLAGS = -I$(srcdir)/src -include $(srcdir)/src/compat.h -DGM_VERSION_STRING=\"$(EXTVERSION)\"
# Warnings are warnings for a DBA's `make` / `make install`; `make test` and CI build with
# GM_WERROR=1 (test/setup.sh sets it), which turns them into errors.
PG_CFLAGS  ?= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(if $(filter-out 0,$(GM_WERROR)),-Werror)
EXTRA_CLEAN = results regression.diffs regression.out demo-map.svg demo-penetration.svg demo-dashboard.html build $(EXTENSION)-*.zip

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
# first run on a fresh machine: nothing to build with yet; demo/test install it
all install installcheck:
	@echo "PostgreSQL development files are missing ($(PG_CONFIG) not found): run 'make test' or 'make demo' (they install PostgreSQL 15's), or name a pg_config with PG_CONFIG=..."; exit 1
else
include $(PGXS)
endif

# PGXS does not track headers: every object depends on every header of src/, so a changed
# struct (gm.h) never leaves an object built against the old layout
$(OBJS): $(wildcard src/*.h)

build/$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/parts/*.sql)) $(EXTENSION).control
	@mkdir -p build
	cat $(sort $(wildcard sql/parts/*.sql)) > $@

# `make test PG=17` / `make test PG=18`: the whole suite inside a Debian chroot that packages that
# server (test/chroot.sh; built on first use under /var/cache/grid_marketing).  Without PG (or
# PG=15) the tests run on this machine's PostgreSQL, the one PG_CONFIG names (default: 15).
.PHONY: demo test bench stress deps
deps:
	@test/setup.sh deps
demo:
	@test/setup.sh demo
test:
ifneq ($(filter-out 15,$(PG)),)
	@test/chroot.sh $(PG) test
else
	@test/setup.sh test
endif
bench:
	@test/setup.sh bench
stress:
	@test/setup.sh stress

# The release archive for PGXN: what git holds at HEAD plus the built install script (META.json's
# provides.file), as grid_marketing-<version>.zip.  test/scripts/meta.sh checks it.
.PHONY: dist
dist: $(DATA_built)
	@rm -rf build/dist && mkdir -p build/dist/$(EXTENSION)-$(EXTVERSION)
	git archive --format=tar HEAD | tar -x -C build/dist/$(EXTENSION)-$(EXTVERSION)
	cp $(DATA_built) build/dist/$(EXTENSION)-$(EXTVERSION)/sql/
	rm -f $(EXTENSION)-$(EXTVERSION).zip
	cd build/dist && zip -qr ../../$(EXTENSION)-$(EXTVERSION).zip $(EXTENSION)-$(EXTVERSION)
	@echo "wrote $(EXTENSION)-$(EXTVERSION).zip"
