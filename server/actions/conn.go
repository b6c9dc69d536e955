package actions

import (
	"time"

	"chat/server/delivery"
	"chat/server/hub"
)

// Conn is an actor's WebSocket connection as the actions see it: its seat
// in the hub (the rooms it is in), and what they keep per connection. The
// ws transport holds it inside its session (no allocation of its own),
// and one goroutine at a time acts on it.
type Conn struct {
	Client *hub.Client
	// Lobby is the implicit lobby membership while it holds the lobby's
	// messages (see delivery.JoinLobby).
	Lobby delivery.LobbyHold
	// typed is when the connection last said it was typing, per room.
	typed map[string]time.Time
}
