package actions

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"chat/server/outgoing"
	"chat/server/push"
	"chat/server/rooms"
	"chat/wire"
)

// Notifications. Who may:
//
//	the push key              a session's holder
//	subscribe, unsubscribe    an account's holder (guests get no pushes:
//	                          their session is not a person to find again)
//	a room's choice, get/set  an account's holder who may read the room;
//	                          anyone else gets the room's forbidden

// PushKey is the VAPID public key a page subscribes with.
func (a *Actions) PushKey(ctx context.Context, who Actor) (string, error) {
	if err := needSession(who); err != nil {
		return "", err
	}
	return a.Push.PublicKey(), nil
}

// Subscribe keeps a device's push subscription; it answers the device's id.
func (a *Actions) Subscribe(ctx context.Context, who Actor, sub webpush.Subscription) (string, error) {
	if err := needAccount(who, "get pushes"); err != nil {
		return "", err
	}
	if !a.cfg.OutgoingAllowPrivate && literalPrivate(sub.Endpoint) {
		return "", invalid(wire.CodeBadField, "a push endpoint must be a public address")
	}
	d, err := a.Push.Subscribe(ctx, who.User, sub, time.Now())
	if err != nil {
		return "", refusal(err)
	}
	return d.ID, nil
}

// literalPrivate says whether a URL names a non-public address outright
// (a host name is checked when a push is sent, by the outgoing client).
func literalPrivate(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return !outgoing.Public(ip)
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// Unsubscribe forgets one of the actor's devices, by its endpoint.
func (a *Actions) Unsubscribe(ctx context.Context, who Actor, endpoint string) error {
	if err := needAccount(who, "get pushes"); err != nil {
		return err
	}
	if err := a.Push.Unsubscribe(ctx, who.User, endpoint); err != nil {
		return unavailable(err, "the device was not forgotten")
	}
	return nil
}

// NotifyChoice is the actor's choice of what a room notifies them of.
func (a *Actions) NotifyChoice(ctx context.Context, who Actor, room string) (push.Choice, error) {
	direct, err := a.notifyRoom(ctx, who, room)
	if err != nil {
		return push.Choice{}, err
	}
	c, err := a.Push.Choice(ctx, who.User, room, direct)
	if err != nil {
		return push.Choice{}, unavailable(err, "the choice could not be read")
	}
	return c, nil
}

// SetNotifyChoice sets it.
func (a *Actions) SetNotifyChoice(ctx context.Context, who Actor, room string, c push.Choice) error {
	if _, err := a.notifyRoom(ctx, who, room); err != nil {
		return err
	}
	return refusal(a.Push.SetChoice(ctx, who.User, room, c))
}

// notifyRoom checks a room whose notifications the actor asks about, and
// says whether it is a direct message.
func (a *Actions) notifyRoom(ctx context.Context, who Actor, room string) (direct bool, err error) {
	if err := needAccount(who, "get notifications"); err != nil {
		return false, err
	}
	if err := roomParam(room); err != nil {
		return false, err
	}
	if err := a.may(ctx, who, rooms.Join, room); err != nil {
		return false, err
	}
	kind, err := a.roomKind(ctx, room)
	return kind == rooms.Direct, err
}
