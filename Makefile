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

.PHONY: build run test bench generate schemas proto clean agent-k8s

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/pulse ./core/cmd/pulse
	@for p in $(PLUGINS); do echo "build $(BIN)/pulse-plugin-$$p"; \
		$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/pulse-plugin-$$p ./plugins/$$p || exit 1; done
	@for s in $(SIMS); do echo "build $(BIN)/$$(basename $$s)"; \
		$(GO) build -o $(BIN)/$$(basename $$s) ./$$s || exit 1; done
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(BIN)/pulse-agent ./agent/cmd/pulse-agent
	$(GO) build -o $(BIN)/pulse-sim-docker ./agent/cmd/pulse-sim-docker

# The agent with the kubernetes module (client-go) is its own build.
agent-k8s:
	CGO_ENABLED=0 $(GO) build -trimpath -tags k8s -ldflags "-s -w $(LDFLAGS)" -o $(BIN)/pulse-agent-k8s ./agent/cmd/pulse-agent

# The lab: simulators of every platform built so far, and the core polling them.
run: build
	./$(BIN)/pulse lab --config examples/lab.hcl

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 9m ./...

# Benchmarks print ns/op and custom figures (ms, MB, requests); see README.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -count 1 -timeout 20m ./core/... ./plugins/... ./agent/... | tee bench.out

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
	rm -rf $(BIN) .lab bench.out
