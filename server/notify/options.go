package notify

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/server/auth"
	"chat/server/metrics"
	"chat/server/presence"
	"chat/server/push"
	"chat/server/rooms"
)

// Options are what the pushes and webhooks of a node read and call.
type Options struct {
	JetStream jetstream.JetStream
	Replicas  int // of the buckets they make
	Auth      *auth.Store
	Rooms     *rooms.Store
	Push      *push.Store
	Online    *presence.Online // who has a connection open anywhere: no push for them
	// AllowPrivate lets webhooks and push endpoints be loopback, private
	// and link-local addresses; TLS is their client's (nil: the system's).
	AllowPrivate bool
	TLS          *tls.Config
	// PushContact is the contact in each push's VAPID token.
	PushContact string
	// WebhookAttempts (5) and WebhookBackoff (1 s, doubled each time)
	// bound a webhook call's retries.
	WebhookAttempts int
	WebhookBackoff  time.Duration
	Metrics         *metrics.Metrics
	Logger          *slog.Logger
}
