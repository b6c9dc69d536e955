package actions

import (
	"context"

	"chat/server/auth"
	"chat/server/rooms"
	"chat/wire"
)

// Invitations. Who may:
//
//	make one     an admin, to sign up; a private room's owner or an admin,
//	             into the room (which also lets a new person sign up with
//	             -access members)
//	peek at one  whoever has the code: what it is for
//	accept one   an account: into the invitation's room (the code is spent)

// Invitation is a new invitation's code, and whether it is into a room.
type Invitation struct {
	Code string
	Room string
}

// InviteInfo is what an invitation is for, to whoever has its code.
type InviteInfo struct {
	Setup bool      // the first-run invitation: its user is the admin
	Room  *RoomPeek // the room it lets its user into, if any
}

// RoomPeek is what an invitation shows of its room.
type RoomPeek struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

// Invite makes a single-use invitation: to sign up (room ""), or into a
// private room.
func (a *Actions) Invite(ctx context.Context, who Actor, room string) (Invitation, error) {
	if room == "" {
		if err := needAdmin(who); err != nil {
			return Invitation{}, err
		}
	} else {
		if err := needAccount(who, "invite"); err != nil {
			return Invitation{}, err
		}
		if err := roomParam(room); err != nil {
			return Invitation{}, err
		}
		if err := a.may(ctx, who, rooms.Invite, room); err != nil {
			return Invitation{}, err
		}
		if kind, err := a.roomKind(ctx, room); err != nil {
			return Invitation{}, err
		} else if kind != rooms.Private {
			return Invitation{}, roomForbidden(room) // an admin may moderate a public room, not invite into it
		}
	}
	if err := allow(a.limits.invites, who.User, "invitations made in an hour"); err != nil {
		return Invitation{}, err
	}
	code, err := a.Auth.NewInvite(ctx, who.User, room)
	if err != nil {
		return Invitation{}, unavailable(err, "the invitation was not made")
	}
	return Invitation{Code: code, Room: room}, nil
}

// PeekInvite says what an invitation is for, without spending it.
func (a *Actions) PeekInvite(ctx context.Context, code string) (InviteInfo, error) {
	if err := codeParam(code); err != nil {
		return InviteInfo{}, refusal(auth.ErrBadInvite)
	}
	inv, err := a.Auth.PeekInvite(ctx, code)
	if err != nil {
		return InviteInfo{}, refusal(err)
	}
	out := InviteInfo{Setup: inv.By == auth.SetupBy}
	if inv.Room != "" {
		if rm, ok, err := a.Rooms.Get(ctx, inv.Room); err == nil && ok {
			out.Room = &RoomPeek{ID: rm.ID, Kind: rm.Kind, Title: rm.Title}
		}
	}
	return out, nil
}

// AcceptInvite puts the actor's account in the invitation's room; the
// code is spent.
func (a *Actions) AcceptInvite(ctx context.Context, who Actor, code string) (RoomInfo, error) {
	if err := needAccount(who, "join private rooms"); err != nil {
		return RoomInfo{}, err
	}
	if err := codeParam(code); err != nil {
		return RoomInfo{}, refusal(auth.ErrBadInvite)
	}
	if inv, err := a.Auth.PeekInvite(ctx, code); err != nil {
		return RoomInfo{}, refusal(err)
	} else if inv.Room == "" {
		return RoomInfo{}, invalid(wire.CodeBadField, "this invitation is for signing up, not into a room")
	}
	inv, err := a.Auth.UseInvite(ctx, code)
	if err != nil {
		return RoomInfo{}, refusal(err)
	}
	if err := a.Rooms.Admit(ctx, inv.Room, rooms.Membership{User: who.User, Name: who.Name}, inv.By); err != nil {
		return RoomInfo{}, refusal(err)
	}
	rm, _, err := a.Rooms.Get(ctx, inv.Room)
	if err != nil {
		return RoomInfo{}, unavailable(err, "the room could not be read")
	}
	return a.describe(ctx, who, rm)
}
