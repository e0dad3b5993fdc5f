GO ?= go
BENCHTIME ?= 1s

.PHONY: test bench lint

# test: everything CI runs. Tests that need the Debian prometheus package skip
# without it unless REQUIRE_PROMETHEUS=1 (set by .ci/run).
test: lint
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
