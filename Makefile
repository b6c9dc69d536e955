# The two commands of the README: `make serve` and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= :8080
DATA    ?= ./data

.PHONY: all build serve test vet wasm clean

all: build

build: bin/chat wasm

# Go's own build cache decides what is stale; these always ask it.
bin/chat: FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/chat .

# app.wasm holds the UI only (main_js.go); it is compressed once here, not
# per request, and wasm_exec.js comes from the same toolchain that built it.
wasm: FORCE
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags '-s -w' -o web/app.wasm .
	gzip -9 -n -k -f web/app.wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/wasm_exec.js

serve: build
	./bin/chat serve -addr $(ADDR) -data $(DATA)

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/ ./wire/

# The browser tests use the web/app.wasm built here.
test: build vet
	$(GO) test -race -count=1 ./...

clean:
	rm -rf bin web/app.wasm web/app.wasm.gz web/wasm_exec.js

FORCE:
