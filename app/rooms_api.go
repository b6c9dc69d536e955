package app

import (
	"context"
	"net/url"
	"strings"
)

// Kinds and roles of rooms, as the API names them.
const (
	kindPublic  = "public"
	kindPrivate = "private"
	kindDirect  = "direct"
	roleOwner   = "owner"
)

// roomInfo is a private room or a direct message as GET /api/rooms lists
// it: the caller's role, and its members' names.
type roomInfo struct {
	ID    string   `json:"id"`
	Kind  string   `json:"kind"`
	Title string   `json:"title,omitempty"`
	Topic string   `json:"topic,omitempty"`
	Owner string   `json:"owner,omitempty"`
	Role  string   `json:"role,omitempty"`
	Names []string `json:"names,omitempty"`
}

// member is one person in a room, from GET /api/rooms/{id}.
type member struct {
	User string `json:"user"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// roomDetail is GET /api/rooms/{id}: the room, its members and the
// caller's role.
type roomDetail struct {
	Room    roomInfo `json:"room"`
	Members []member `json:"members"`
	Role    string   `json:"role"`
}

// serverNamed reports whether a room is one the server names: a private
// room (p-) or a direct message (dm-). Public rooms are named by people.
func serverNamed(room string) bool {
	return strings.HasPrefix(room, "p-") || strings.HasPrefix(room, "dm-")
}

func fetchRooms(ctx context.Context) ([]roomInfo, error) {
	var a struct {
		Rooms []roomInfo `json:"rooms"`
	}
	err := apiCall(ctx, "GET", "/api/rooms", nil, &a)
	return a.Rooms, err
}

func fetchRoom(ctx context.Context, id string) (roomDetail, error) {
	var d roomDetail
	err := apiCall(ctx, "GET", "/api/rooms/"+url.PathEscape(id), nil, &d)
	return d, err
}

// createRoom is POST /api/rooms: a private room with a title, or a direct
// message with people by name.
func createRoom(ctx context.Context, kind, title string, with []string) (roomInfo, error) {
	body := map[string]any{"kind": kind}
	if kind == kindDirect {
		body["with"] = with
	} else {
		body["title"] = title
	}
	var a struct {
		Room roomInfo `json:"room"`
	}
	err := apiCall(ctx, "POST", "/api/rooms", body, &a)
	return a.Room, err
}

func addMember(ctx context.Context, room, name string) error {
	return apiCall(ctx, "POST", "/api/rooms/"+url.PathEscape(room)+"/members", map[string]string{"name": name}, nil)
}

// removeMember takes someone out of a room; with one's own id, it is
// leaving it.
func removeMember(ctx context.Context, room, userID string) error {
	return apiCall(ctx, "DELETE", "/api/rooms/"+url.PathEscape(room)+"/members/"+url.PathEscape(userID), nil, nil)
}

func setTopic(ctx context.Context, room, topic string) error {
	return apiCall(ctx, "POST", "/api/rooms/"+url.PathEscape(room)+"/topic", map[string]string{"topic": topic}, nil)
}

// splitNames reads a list of names typed with commas (or spaces around
// them): "bo, cy" is bo and cy. Names may hold spaces inside, so only
// commas separate.
func splitNames(typed string) []string {
	var names []string
	for _, n := range strings.Split(typed, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}
