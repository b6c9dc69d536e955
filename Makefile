# The two commands of the README: `make serve` and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= :8080
DATA    ?= ./data

.PHONY: all build serve test vet wasm clean cluster cluster-stop bench soak

all: build

build: bin/chat

# Go's own build cache decides what is stale; these always ask it. bin/chat
# embeds web/ (web_embed.go), so the UI is built first: the binary alone
# then serves everything.
bin/chat: wasm FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/chat .

# app.wasm holds the UI only (main_js.go); it is compressed once here, not
# per request, with gzip and brotli (the best of each; brotli takes half a
# minute, and is skipped while app.wasm's bytes stay the same), and
# wasm_exec.js comes from the same toolchain that built it.
wasm: FORCE
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags '-s -w' -o web/app.wasm .
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/wasm_exec.js
	$(GO) run ./internal/tools/precompress web/app.wasm

serve: build
	./bin/chat serve -addr $(ADDR) -data $(DATA)

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/ ./wire/

# The browser tests use the web/app.wasm built here. They run beside the
# rest, without the race detector: it cannot look into app.wasm, the server
# code they drive runs under it in server/'s own tests, and under it three
# of them took 95 s of CPU instead of 68, on a machine where Chromium needs
# all it can get (make soak runs them under it too). Their output is shown
# when they end.
test: build vet
	@log=$$(mktemp); \
	$(GO) test -count=1 ./e2e/ >$$log 2>&1 & browser=$$!; \
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/e2e$$'); rest=$$?; \
	wait $$browser; browser=$$?; cat $$log; rm -f $$log; \
	[ $$rest -eq 0 ] && [ $$browser -eq 0 ]

# A NATS cluster of three servers with JetStream and routes between them
# (built from the nats-server module in go.mod, no download of a binary), and
# three chat processes on :8081, :8082, :8083, each given all three NATS URLs;
# the CHAT stream keeps 3 replicas, so the cluster loses nothing with one
# server down. Logs and pids go to $(CLUSTER); `make cluster-stop` ends them.
CLUSTER ?= ./data/cluster
NATS_PORTS ?= 4222 4223 4224
NATS_URLS = $(shell for p in $(NATS_PORTS); do printf 'nats://127.0.0.1:%s,' $$p; done | sed 's/,$$//')
ROUTE_URLS = $(shell for p in $(NATS_PORTS); do printf 'nats://127.0.0.1:%s,' $$((p + 2000)); done | sed 's/,$$//')

bin/nats-server: go.mod
	$(GO) build -o bin/nats-server github.com/nats-io/nats-server/v2

cluster: build bin/nats-server
	@mkdir -p $(CLUSTER)
	@if ls $(CLUSTER)/*.pid >/dev/null 2>&1; then echo "cluster already running (make cluster-stop first)"; exit 1; fi
	@i=0; for p in $(NATS_PORTS); do i=$$((i + 1)); \
		./bin/nats-server -a 127.0.0.1 -p $$p -js -sd $(CLUSTER)/nats$$i -n chat-nats-$$i \
			--cluster_name chat --cluster nats://127.0.0.1:$$((p + 2000)) --routes $(ROUTE_URLS) \
			> $(CLUSTER)/nats$$i.log 2>&1 & echo $$! > $(CLUSTER)/nats$$i.pid; \
	done
	@for i in 1 2 3; do \
		./bin/chat serve -addr :808$$i -data $(CLUSTER)/node$$i -nats $(NATS_URLS) \
			> $(CLUSTER)/node$$i.log 2>&1 & echo $$! > $(CLUSTER)/node$$i.pid; \
	done
	@./bin/chat health -wait 60s http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083 \
		|| { echo "a node did not start: see $(CLUSTER)/*.log"; exit 1; }
	@echo "cluster up: NATS on $(NATS_URLS), chat on http://localhost:8081 :8082 :8083 (logs in $(CLUSTER))"

cluster-stop:
	@for f in $(CLUSTER)/*.pid; do \
		[ -f "$$f" ] || continue; kill $$(cat $$f) 2>/dev/null || true; rm -f $$f; \
	done
	@echo "cluster stopped"

# The seed's benchmark at its scale (10,000 clients) against this server, the
# floor and seedhub, in one run (the table goes to bench-out/table.md), then
# the UI's first load and a history read.
bench: build
	bash bench/three-way.sh
	@echo "== stored chat traffic against its targets, a fresh server per load (tables in bench-out/targets/)"
	./bin/chat bench -targets bench-out/targets
	@echo "== first load of the UI, navigation to connected (budgets: cold 2000 ms, cached 500 ms)"
	$(GO) test -run '^$$' -bench FirstLoad -benchtime 5x ./e2e/ | grep -E '^Benchmark'
	@echo "== history read of a full room (1,000 messages) through the embedded NATS"
	$(GO) test -run '^$$' -bench History1000 -benchmem ./server/broker/ | grep -E '^Benchmark'
	@echo "== a page of older history, and a search, in a room that keeps 100,000 messages"
	$(GO) test -run '^$$' -bench HistoryPage100k -benchtime 200x ./server/broker/ | grep -E '^Benchmark'
	$(GO) test -run '^$$' -bench Search100k -benchtime 100x ./server/ | grep -E '^Benchmark'
	@echo "== what a sign-in costs (argon2id) and the authorization check of a join (public: none; private: two KV reads)"
	$(GO) test -run '^$$' -bench SignIn -benchtime 20x ./server/auth/ | grep -E '^Benchmark'
	$(GO) test -run '^$$' -bench Can -benchmem ./server/rooms/ | grep -E '^Benchmark'
	@echo "== a pasted screenshot (1920x1080 PNG: decoded, thumbnail made, stored) and one Web Push (encrypted, signed, sent over TLS)"
	$(GO) test -run '^$$' -bench PutScreenshot -benchtime 20x ./server/files/ | grep -E '^Benchmark'
	$(GO) test -run '^$$' -bench 'Push$$' -benchtime 200x ./server/push/ | grep -E '^Benchmark'

# The long versions: 5,000 connect/close cycles, and each fuzz target for a
# minute (make test runs their seed corpora only).
FUZZTIME ?= 60s
soak: build
	$(GO) test -count=1 -timeout 30m -run 'Churn|StopsReading|ClusterFaults' ./server/ -args -long
	$(GO) test -race -count=1 -timeout 30m ./e2e/
	for f in FuzzDecode FuzzLines FuzzNormalizeRoom; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./wire/ || exit 1; done
	$(GO) test -run '^$$' -fuzz '^FuzzClientFrame$$' -fuzztime $(FUZZTIME) ./server/
	$(GO) test -run '^$$' -fuzz '^FuzzNothingOfARoomYouMayNotRead$$' -fuzztime $(FUZZTIME) ./server/
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./server/tokens/

clean:
	rm -rf bin web/app.wasm web/app.wasm.gz web/app.wasm.br web/wasm_exec.js bench-out

FORCE:
