package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"chat/server/auth"
	"chat/server/rooms"
	"chat/wire"
)

// Rooms. Who may; everyone else gets the room's forbidden, the same for a
// room that does not exist:
//
//	my rooms         a session's holder: their private rooms and direct messages
//	create a room    an account: a private room, or a direct message with accounts
//	a room           its members; admins (private rooms)
//	add a member     a private room's owner; admins
//	remove a member  the owner; admins; the member themselves (leaving)
//	set the topic    the owner; admins
//
// The public rooms' directory is directory.go's.

// MaxDirect is how many people a direct message may have.
const MaxDirect = 9

// RoomInfo is a room as someone in it sees it: their role, and for a
// direct message its people's names (it has no title).
type RoomInfo struct {
	rooms.Room
	Role  string   `json:"role,omitempty"`
	Names []string `json:"names,omitempty"`
}

// RoomMember is one person of a room, as its members see them.
type RoomMember struct {
	User  string    `json:"user"`
	Name  string    `json:"name"`
	Role  string    `json:"role"`
	Added time.Time `json:"added"`
}

// RoomDetail is a room with its members.
type RoomDetail struct {
	Room    RoomInfo
	Members []RoomMember
}

// CreateRoomRequest asks for a private room (Kind rooms.Private, Title)
// or a direct message (rooms.Direct, With: 1 to 8 other accounts' names).
type CreateRoomRequest struct {
	Kind  string
	Title string
	With  []string
}

// needSession refuses an actor with no session.
func needSession(who Actor) error {
	if who.Kind != Member && who.Kind != Guest {
		return errSignIn
	}
	return nil
}

// needAccount refuses an actor without an account's session.
func needAccount(who Actor, what string) error {
	switch who.Kind {
	case Member:
		return nil
	case Guest:
		return signUpFirst(what)
	}
	return errSignIn
}

// needAdmin refuses anyone but an admin's session.
func needAdmin(who Actor) error {
	if err := needSession(who); err != nil {
		return err
	}
	if who.Kind != Member || !who.Admin {
		return adminsOnly()
	}
	return nil
}

// MyRooms lists the actor's private rooms and direct messages.
func (a *Actions) MyRooms(ctx context.Context, who Actor) ([]RoomInfo, error) {
	if err := needSession(who); err != nil {
		return nil, err
	}
	mine, err := a.Rooms.Mine(ctx, who.User)
	if err != nil {
		return nil, unavailable(err, "your rooms could not be read")
	}
	out := make([]RoomInfo, 0, len(mine))
	for _, rm := range mine {
		if err := a.may(ctx, who, rooms.Join, rm.ID); err != nil {
			continue // left or removed between the two reads
		}
		ri, err := a.describe(ctx, who, rm)
		if err != nil {
			continue
		}
		out = append(out, ri)
	}
	return out, nil
}

// describe is rm as who sees it; whether who may is the caller's to have
// asked.
func (a *Actions) describe(ctx context.Context, who Actor, rm rooms.Room) (RoomInfo, error) {
	ms, err := a.Rooms.Members(ctx, rm.ID)
	if err != nil {
		return RoomInfo{}, unavailable(err, "the room's members could not be read")
	}
	ri := RoomInfo{Room: rm}
	for _, m := range ms {
		if m.User == who.User {
			ri.Role = m.Role
		}
		if rm.Kind == rooms.Direct {
			ri.Names = append(ri.Names, m.Name)
		}
	}
	slices.Sort(ri.Names)
	return ri, nil
}

// CreateRoom makes a private room owned by the actor, or a direct message
// with other accounts (the one these people have already, if any).
func (a *Actions) CreateRoom(ctx context.Context, who Actor, req CreateRoomRequest) (RoomInfo, error) {
	if err := needAccount(who, "make rooms"); err != nil {
		return RoomInfo{}, err
	}
	if err := allow(a.limits.rooms, who.User, "rooms made in an hour"); err != nil {
		return RoomInfo{}, err
	}
	me := rooms.Membership{User: who.User, Name: who.Name}
	var others []rooms.Membership
	if req.Kind == rooms.Direct {
		if len(req.With) == 0 || len(req.With) >= MaxDirect {
			return RoomInfo{}, invalid(wire.CodeBadField, "a direct message is with 1 to %d other people, named in \"with\"", MaxDirect-1)
		}
		for _, name := range req.With {
			acc, err := a.accountNamed(ctx, name)
			if err != nil {
				return RoomInfo{}, err
			}
			if acc.ID != who.User {
				others = append(others, rooms.Membership{User: acc.ID, Name: acc.Name})
			}
		}
		if len(others) == 0 {
			return RoomInfo{}, invalid(wire.CodeBadField, "a direct message needs someone other than you")
		}
	}
	rm, err := a.Rooms.Create(ctx, req.Kind, req.Title, me, others)
	if err != nil {
		return RoomInfo{}, refusal(err)
	}
	return a.describe(ctx, who, rm)
}

// accountNamed is the live account with this name, or the refusal a
// person is shown (a banned one is as good as none).
func (a *Actions) accountNamed(ctx context.Context, name string) (auth.Account, error) {
	if err := nameParam(name); err != nil {
		return auth.Account{}, err
	}
	acc, err := a.Auth.AccountNamed(ctx, name)
	if errors.Is(err, auth.ErrNoAccount) || (err == nil && acc.Banned) {
		return auth.Account{}, invalid(wire.CodeBadName, "no account is named %s", name)
	}
	if err != nil {
		return auth.Account{}, unavailable(err, "the accounts could not be read")
	}
	return acc, nil
}

// Room is a server-named room with its members, for its members (and
// admins, for a private room).
func (a *Actions) Room(ctx context.Context, who Actor, id string) (RoomDetail, error) {
	if err := needSession(who); err != nil {
		return RoomDetail{}, err
	}
	if err := roomParam(id); err != nil {
		return RoomDetail{}, err
	}
	if !rooms.Reserved(id) {
		return RoomDetail{}, roomForbidden(id) // a public room has no members to list
	}
	if err := a.may(ctx, who, rooms.Join, id); err != nil {
		return RoomDetail{}, err
	}
	rm, ok, err := a.Rooms.Get(ctx, id)
	if err != nil {
		return RoomDetail{}, unavailable(err, "the room could not be read")
	}
	if !ok {
		return RoomDetail{}, roomForbidden(id)
	}
	ms, err := a.Rooms.Members(ctx, id)
	if err != nil {
		return RoomDetail{}, unavailable(err, "the room's members could not be read")
	}
	d := RoomDetail{Room: RoomInfo{Room: rm}}
	for _, m := range ms {
		if m.User == who.User {
			d.Room.Role = m.Role
		}
		d.Members = append(d.Members, RoomMember{User: m.User, Name: m.Name, Role: m.Role, Added: m.Added})
	}
	if d.Room.Role == "" && who.Admin {
		d.Room.Role = "admin"
	}
	slices.SortFunc(d.Members, func(x, y RoomMember) int { // the owner first, then by name
		return strings.Compare(rankName(x.Role, x.Name), rankName(y.Role, y.Name))
	})
	return d, nil
}

func rankName(role, name string) string {
	if role == rooms.Owner {
		return "0" + strings.ToLower(name)
	}
	return "1" + strings.ToLower(name)
}

// AddMember puts the account named name in a private room.
func (a *Actions) AddMember(ctx context.Context, who Actor, room, name string) error {
	if err := needAccount(who, "add members"); err != nil {
		return err
	}
	if err := roomParam(room); err != nil {
		return err
	}
	if err := allow(a.limits.adds, who.User, "members added in an hour"); err != nil {
		return err
	}
	// The permission first: to someone who may not invite, a name that
	// is no account and a room that does not exist look the same.
	if err := a.may(ctx, who, rooms.Invite, room); err != nil {
		return err
	}
	acc, err := a.accountNamed(ctx, name)
	if err != nil {
		return err
	}
	return refusal(a.Rooms.Admit(ctx, room, rooms.Membership{User: acc.ID, Name: acc.Name}, who.User))
}

// RemoveMember takes a member out of a room: the owner or an admin taking
// someone out, or a member leaving.
func (a *Actions) RemoveMember(ctx context.Context, who Actor, room, user string) error {
	if err := needSession(who); err != nil {
		return err
	}
	if err := roomParam(room); err != nil {
		return err
	}
	if err := userParam(user); err != nil {
		return err
	}
	act := rooms.Remove
	if user == who.User {
		act = rooms.Join // leaving: anyone in it may
	}
	if err := a.may(ctx, who, act, room); err != nil {
		return err
	}
	return refusal(a.Rooms.RemoveMember(ctx, room, user))
}

// SetTopic changes a private room's topic.
func (a *Actions) SetTopic(ctx context.Context, who Actor, room, topic string) error {
	if err := needAccount(who, "change topics"); err != nil {
		return err
	}
	if err := roomParam(room); err != nil {
		return err
	}
	if err := a.may(ctx, who, rooms.SetTopic, room); err != nil {
		return err
	}
	return refusal(a.Rooms.SetTopic(ctx, room, topic))
}
