package actions

import (
	"context"

	"chat/wire"
)

// The operator's endpoints: GET /benchmark (one request, a delivery to
// every client of every node) and the node's figures (/metrics,
// /stats.json: counts, memory, the node's id). local is the transport's
// word that the client is on this host, decided from the real peer (see
// httpx.Client.Local), never from a header.

// Benchmark broadcasts the benchmark text to every client of every node,
// as the article's endpoint did: a transient event, not stored.
func (a *Actions) Benchmark(ctx context.Context, who Actor, local bool) error {
	switch a.cfg.Benchmark {
	case BenchmarkOff:
		return fail(NotFound, CodeNotFound, "GET /benchmark is off on this server")
	case BenchmarkLocal:
		if !local {
			return fail(Forbidden, wire.CodeForbidden, "GET /benchmark is served to clients on this host only; start the server with -benchmark all to open it")
		}
	}
	if err := a.Broker.Broadcast(ctx, wire.BenchmarkText); err != nil {
		return unavailable(err, "broadcast failed")
	}
	return nil
}

// Operator decides who may read the node's figures: clients on this
// host and admins (OperatorLocal), admins only, or anyone who reaches
// them (OperatorAll, for a -metrics-addr on a private network).
func (a *Actions) Operator(ctx context.Context, who Actor, local bool) error {
	switch {
	case a.cfg.Operator == OperatorAll:
		return nil
	case local && a.cfg.Operator == OperatorLocal:
		return nil
	case who.Kind == Member && who.Admin:
		return nil
	case who.Kind == Anonymous:
		return fail(Unauthenticated, CodeSignIn, "the server's figures are for its operator: sign in as an admin, or ask from the server's own host")
	}
	return adminsOnly()
}
