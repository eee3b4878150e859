# Log Processor. `make run` starts the service with working local defaults;
# `make test` runs the whole suite against the local PostgreSQL and Redis.

GO        ?= go
BIN       := bin/logproc
PKG       := ./cmd/logproc
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export TEST_REDIS_URL    ?= redis://127.0.0.1:6379/0

.PHONY: help run test build lint services env bench fuzz reliability clean check-go check-shellcheck chromium

## help: list the targets
help:
	@awk -F': ' '/^## /{sub(/^## /, ""); printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

## check-go: make sure the Go toolchain is there
check-go:
	@command -v $(GO) >/dev/null 2>&1 || { echo "Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

## run: start PostgreSQL and Redis if needed, then `logproc all` on :8080
run: check-go services env build
	@$(BIN) migrate create-db
	@token=$$($(BIN) token --sub demo-user --ttl 24h) && \
	echo "" && \
	echo "Log Processor: http://localhost:8080  (Ctrl-C stops it)" && \
	echo "A token for user demo-user, valid 24h:" && \
	echo "  export TOKEN=$$token" && \
	echo "Try:" && \
	echo "  echo '2026-11-27 10:00:01 ERROR [db] connection to 10.0.0.7 refused' > /tmp/app.log" && \
	echo "  curl -s -H \"Authorization: Bearer \$$TOKEN\" -F file=@/tmp/app.log http://localhost:8080/api/upload-logs" && \
	echo "  curl -s -H \"Authorization: Bearer \$$TOKEN\" http://localhost:8080/api/stats" && \
	echo ""
	@exec $(BIN) all

## test: start the services if needed, then every test with the race detector
test: check-go services chromium
	$(GO) test -race -count=1 -timeout 30m ./...

# The web pages' browser tests drive Debian's Chromium ($(CHROMIUM)) and
# skip without it; say so up front.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
chromium:
	@[ -x "$(CHROMIUM)" ] || echo "test: no Chromium at $(CHROMIUM): the browser tests of the web pages will skip. Install it with: apt-get install -y chromium"

## build: compile bin/logproc
build: check-go
	$(GO) build -o $(BIN) $(PKG)

## lint: gofmt, go vet, staticcheck and shellcheck
lint: check-shellcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	shellcheck -x deploy/*.sh

## check-shellcheck: make sure shellcheck is there (installs Debian's package as root)
check-shellcheck:
	@command -v shellcheck >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "lint: installing shellcheck"; \
		apt-get install -y -qq shellcheck >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }; \
	else \
		echo "shellcheck is needed: sudo apt-get install shellcheck (macOS: brew install shellcheck)"; exit 1; \
	fi

## fuzz: the engine's and the form reader's fuzz targets for FUZZTIME (20s) each; a failing input is saved under the package's testdata/fuzz
# FuzzBytesToStoredEvents (./domain/worker) runs the whole path on PostgreSQL,
# a second or more an input: run it by hand for minutes, not here (its seeds
# run in make test).
FUZZTIME ?= 20s
fuzz: check-go
	$(GO) test -run '^$$' -fuzz '^FuzzAnalyze$$' -fuzztime $(FUZZTIME) ./domain/analysis
	$(GO) test -run '^$$' -fuzz '^FuzzFormReaderMatchesStdlib$$' -fuzztime $(FUZZTIME) ./http

## bench: the benchmarks recorded in the README
bench: services
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

## reliability: the fault tests alone, printing each recovery time (README, Benchmarks)
reliability: check-go
	$(GO) test -count=1 -v -run '^TestFault' ./cmd/logproc

## services: make sure PostgreSQL and Redis answer (starts installed ones)
services:
	@bash deploy/services.sh

## env: write a random JWT_SECRET to .env unless it sets JWT_SECRET or JWT_JWKS_URL
env:
	@bash deploy/env.sh .env

## clean: remove bin/
clean:
	rm -rf bin
