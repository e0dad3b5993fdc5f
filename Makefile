SHELL := /bin/bash
GO ?= go
BENCHTIME ?= 1s
BENCHCOUNT ?= 8

FUZZTIME ?= 60s

LOAD_DURATION ?= 30s
LOAD_SCRAPERS ?= 16

.PHONY: test bench lint fuzz load demo

# demo: the demo bot, offline (fake Bot API, simulated users) unless
# TELEGRAM_BOT_TOKEN is set; its metrics at http://127.0.0.1:9464/prometheus.
# Flags go in DEMO_ARGS, e.g. make demo DEMO_ARGS="-framework tgbotapi -mode webhook".
# Built, then run (not go run, which exits 1 on Ctrl-C whatever the bot does).
DEMO_ARGS ?=
demo:
	$(GO) build -o bin/demobot ./cmd/demobot
	./bin/demobot $(DEMO_ARGS)

# test: everything CI runs. Tests that need prometheus, promtool or the
# Pushgateway skip without them unless REQUIRE_PROMETHEUS=1 (set by .ci/run);
# internal/testsummary prints go test's usual output and names the skipped
# tests, and why, above its last line.
test: lint
	@$(GO) build -o bin/testsummary ./internal/testsummary
	set -o pipefail; $(GO) test -json -race -count=1 ./... | bin/testsummary

# bench: every benchmark, peers side by side, BENCHCOUNT rounds. Each round
# is a whole pass (not -count, which repeats one benchmark before the next),
# so that a noisy moment of a shared machine hits both sides of a pair.
# The output goes to bench.out too, and ends with the ratio of each
# benchmark to its peer (median of the per-round ratios).
bench:
	@set -o pipefail; for i in $$(seq $(BENCHCOUNT)); do \
	  $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=1 ./... || exit 1; \
	done | tee bench.out
	@$(GO) run ./internal/benchratio bench.out

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# fuzz: every Fuzz target in the module for FUZZTIME each (their seed corpora
# run in make test already).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# load: concurrent scrapes of /prometheus while 100 goroutines track actions,
# at full size (make test runs the same check for one second).
load:
	GENAPP_LOAD_DURATION=$(LOAD_DURATION) GENAPP_LOAD_SCRAPERS=$(LOAD_SCRAPERS) \
	  $(GO) test -run '^TestLoad$$' -count=1 -v ./metrics/
