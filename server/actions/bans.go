package actions

import (
	"context"
	"time"

	"chat/wire"
)

// Bans: an admin's. A ban ends the account's sessions on every node, and
// its sign-ins; with -access open a banned person can still come back
// without an account, as anyone can: the ban keeps their name and their
// private rooms from them.

// Ban bans an account, by id (user) or by name.
func (a *Actions) Ban(ctx context.Context, who Actor, user, name string) error {
	if err := needAdmin(who); err != nil {
		return err
	}
	if user == "" && name != "" {
		acc, err := a.accountNamed(ctx, name)
		if err != nil {
			return err
		}
		user = acc.ID
	}
	if user == "" || user == who.User {
		return invalid(wire.CodeBadField, "name an account other than your own")
	}
	if err := userParam(user); err != nil {
		return err
	}
	return refusal(a.Auth.Ban(ctx, user, who.User))
}

// Unban lets a banned account sign in again (its sessions stay ended).
func (a *Actions) Unban(ctx context.Context, who Actor, user string) error {
	if err := needAdmin(who); err != nil {
		return err
	}
	if err := userParam(user); err != nil {
		return err
	}
	return refusal(a.Auth.Unban(ctx, user))
}

// BanInfo is one ban: who, by which admin, when.
type BanInfo struct {
	User User      `json:"user"`
	By   User      `json:"by"`
	At   time.Time `json:"at"`
}

// Bans lists the banned people.
func (a *Actions) Bans(ctx context.Context, who Actor) ([]BanInfo, error) {
	if err := needAdmin(who); err != nil {
		return nil, err
	}
	list, err := a.Auth.Banned(ctx)
	if err != nil {
		return nil, unavailable(err, "the bans could not be read")
	}
	out := make([]BanInfo, 0, len(list))
	for _, acc := range list {
		by := User{ID: acc.BannedBy}
		if admin, err := a.Auth.Account(ctx, acc.BannedBy); err == nil {
			by.Name = admin.Name
		}
		out = append(out, BanInfo{User: User{ID: acc.ID, Name: acc.Name}, By: by, At: acc.BannedAt})
	}
	return out, nil
}
