# Pulse platform host. `make run` starts the lab; `make test` runs every test.
GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
# Every plugins/<platform-id>/main.go builds bin/pulse-plugin-<platform-id>;
# every plugins/*/cmd/pulse-sim-* builds a lab simulator.
PLUGINS  := $(patsubst plugins/%/main.go,%,$(wildcard plugins/*/main.go))
SIMS     := $(wildcard plugins/*/cmd/pulse-sim-*)
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2

.PHONY: build run test bench generate schemas proto clean web screenshots soak fuzz agent-k8s bench-peer soak-bench

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/pulse ./core/cmd/pulse
	@for p in $(PLUGINS); do echo "build $(BIN)/pulse-plugin-$$p"; \
		$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/pulse-plugin-$$p ./plugins/$$p || exit 1; done
	@for s in $(SIMS); do echo "build $(BIN)/$$(basename $$s)"; \
		$(GO) build -o $(BIN)/$$(basename $$s) ./$$s || exit 1; done
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(BIN)/pulse-agent ./agent/cmd/pulse-agent
	$(GO) build -o $(BIN)/pulse-sim-docker ./agent/cmd/pulse-sim-docker
	$(GO) build -o $(BIN)/pulse-sim-kubernetes ./agent/cmd/pulse-sim-kubernetes
	$(MAKE) --no-print-directory agent-k8s

# The agent with the kubernetes module (client-go) is its own build.
agent-k8s:
	CGO_ENABLED=0 $(GO) build -trimpath -tags k8s -ldflags "-s -w $(LDFLAGS)" -o $(BIN)/pulse-agent-k8s ./agent/cmd/pulse-agent

# The lab: simulators of every platform built so far, and the core polling them.
run: build
	./$(BIN)/pulse lab --config examples/lab.hcl

test:
	@unformatted=$$($$($(GO) env GOROOT)/bin/gofmt -l core agent plugins tools); if [ -n "$$unformatted" ]; then \
		echo "gofmt would change these files (run gofmt -w on them):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 9m ./...

# Benchmarks print ns/op and custom figures (ms, MB, requests); see README.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -count 1 -timeout 20m ./core/... ./plugins/... ./agent/... | tee bench.out

# Pulse beside Telegraf (docs/performance.md): Telegraf's vsphere input and
# pulse serve each alone against the 1,000-VM simulated vCenter, the one-shot
# pulse poll against telegraf --once, and pulse at 20 x 5,000 Proxmox VE.
# Telegraf is built once with only the vsphere input and file output.
TELEGRAF_VERSION := v1.37.2
TELEGRAF         := $(BIN)/tools/telegraf-$(TELEGRAF_VERSION)/telegraf
BENCHPEER_FLAGS  ?=
$(TELEGRAF):
	GOBIN=$(CURDIR)/$(dir $(TELEGRAF)) $(GO) install -tags "custom,inputs.vsphere,outputs.file" github.com/influxdata/telegraf/cmd/telegraf@$(TELEGRAF_VERSION)

bench-peer: build $(TELEGRAF)
	$(GO) build -o $(BIN)/benchpeer ./tools/benchpeer
	./$(BIN)/benchpeer -bin $(BIN) -telegraf $(TELEGRAF) -out bench-peer.out $(BENCHPEER_FLAGS)

# One pulse serve against the vCenter and the 20 x 5,000 Proxmox VE for
# SOAK_DURATION, with 20 API clients in the second half.
SOAK_DURATION ?= 10m
soak-bench: build
	$(GO) build -o $(BIN)/benchpeer ./tools/benchpeer
	./$(BIN)/benchpeer -soak -bin $(BIN) -soak-duration $(SOAK_DURATION) -out soak-bench.out $(BENCHPEER_FLAGS)

# The long fault runs (make test runs the same tests shorter): a plugin
# SIGKILLed mid-collect 100 times, the core SIGKILLed during writes 50 times.
soak:
	PULSE_SOAK=1 $(GO) test -count=1 -timeout 30m -run '^TestFault' -v ./core/internal/pluginhost ./core/cmd/pulse

# Each fuzz target for FUZZTIME, from its committed corpus (testdata/fuzz).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./core/internal/config/fuzzparse
	$(GO) test -run '^$$' -fuzz '^FuzzAssemble$$' -fuzztime $(FUZZTIME) ./core/internal/ingest
	$(GO) test -run '^$$' -fuzz '^FuzzValidJSON$$' -fuzztime $(FUZZTIME) ./core/internal/ingest

generate:
	$(GO) generate ./core/platform

# Regenerates the Proxmox API schema extracts the tests validate against,
# from the full official descriptions in ../shared/api-schemas.
schemas:
	$(GO) run ./plugins/internal/proxmox/apischema/cmd/apischema-extract

# Regenerates the committed protobuf code; needs Debian's protobuf-compiler.
proto:
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH=$(CURDIR)/$(BIN)/tools:$$PATH protoc -I plugins/sdk/proto \
		--go_out=plugins/sdk/proto/pulsev1 --go_opt=paths=source_relative \
		--go-grpc_out=plugins/sdk/proto/pulsev1 --go-grpc_opt=paths=source_relative \
		plugins/sdk/proto/pulse.proto

clean:
	rm -rf $(BIN) .lab bench.out bench-peer.out soak-bench.out

# Rebuilds the dashboard (core/internal/web/dist, committed so that go build
# needs no Node) from core/internal/web/ui with the pinned npm toolchain.
web:
	cd core/internal/web/ui && npm ci --no-audit --no-fund && npm run build

# Refreshes docs/screenshots with headless chromium against a test core, or
# against a running core with PULSE_SCREENSHOTS=http://127.0.0.1:7655.
PULSE_SCREENSHOTS ?= 1
screenshots:
	PULSE_SCREENSHOTS=$(PULSE_SCREENSHOTS) $(GO) test -count=1 -run TestScreenshots ./core/internal/web/
