package server

import (
	"time"

	"chat/server/presence"
	"chat/wire"
)

// typing is a connection's "I am typing" in a room it is in: recorded at
// most once every presence.TypingEvery per room, the rest dropped without an error
// (a client that types fast is not misbehaving).
func (ss *session) typing(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "typing in it")
	}
	now := time.Now()
	if last, ok := ss.typed[ev.Room]; ok && now.Sub(last) < presence.TypingEvery {
		return nil
	}
	if ss.typed == nil {
		ss.typed = make(map[string]time.Time)
	}
	for room, at := range ss.typed { // keep the map to the rooms typed in lately
		if now.Sub(at) > presence.TypingEvery {
			delete(ss.typed, room)
		}
	}
	ss.typed[ev.Room] = now
	who := ss.user
	if who == "" {
		who = "name:" + ss.client.Name()
	}
	ss.srv.typing.Said(ev.Room, who, ss.client.Name())
	return nil
}
