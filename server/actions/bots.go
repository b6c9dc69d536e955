package actions

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"time"

	"chat/server/auth"
	"chat/server/outgoing"
	"chat/wire"
)

// Bots: an admin makes, lists, revokes them and gives them new tokens; a
// bot posts with its token (Send, over HTTP), in every public room and the
// private rooms and direct messages it is a member of.

// BotInfo is what the API says of a bot: never its token or secret.
type BotInfo struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Webhook string    `json:"webhook,omitempty"`
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

func botInfo(b auth.Bot) BotInfo {
	return BotInfo{ID: b.ID, Name: b.Name, Webhook: b.Webhook, By: b.By, Created: b.Created}
}

// NewBot is a bot just made: its token, and its webhook's secret, are
// shown this once.
type NewBot struct {
	Bot    BotInfo
	Token  string
	Secret string
}

// CreateBot makes a bot named name, calling webhook (optional) when it is
// mentioned or written to.
func (a *Actions) CreateBot(ctx context.Context, who Actor, name, webhook string) (NewBot, error) {
	if err := needAdmin(who); err != nil {
		return NewBot{}, err
	}
	if webhook != "" {
		if err := a.checkWebhookURL(webhook); err != nil {
			return NewBot{}, err
		}
	}
	b, token, err := a.Auth.CreateBot(ctx, name, webhook, who.User)
	if err != nil {
		return NewBot{}, refusal(err)
	}
	return NewBot{Bot: botInfo(b), Token: token, Secret: b.Secret}, nil
}

// checkWebhookURL refuses a webhook that can never be called: not http or
// https, no host, or an address the outgoing client refuses. A name is
// checked at each call instead (what it resolves to may change).
func (a *Actions) checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > 2000:
		return invalid(wire.CodeBadField, "the webhook is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid(wire.CodeBadField, "the webhook must be an http or https URL")
	case u.Hostname() == "":
		return invalid(wire.CodeBadField, "the webhook's URL has no host")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !a.cfg.OutgoingAllowPrivate && !outgoing.Public(ip) {
		return invalid(wire.CodeBadField, "the webhook's address is this server's machine or network, which webhooks may not call (see -outgoing-allow-private)")
	}
	return nil
}

// Bots lists the live bots.
func (a *Actions) Bots(ctx context.Context, who Actor) ([]BotInfo, error) {
	if err := needAdmin(who); err != nil {
		return nil, err
	}
	list, err := a.Auth.Bots(ctx)
	if err != nil {
		return nil, unavailable(err, "the bots could not be read")
	}
	out := make([]BotInfo, 0, len(list))
	for _, b := range list {
		out = append(out, botInfo(b))
	}
	return out, nil
}

// RevokeBot ends a bot: its token fails at once everywhere, its webhook
// stops, its account is banned, its name stays taken.
func (a *Actions) RevokeBot(ctx context.Context, who Actor, id string) error {
	if err := needAdmin(who); err != nil {
		return err
	}
	if err := userParam(id); err != nil {
		return refusal(auth.ErrNoBot)
	}
	return refusal(a.Auth.RevokeBot(ctx, id, who.User))
}

// RotateBotToken gives a bot a new token; the old one fails at once.
func (a *Actions) RotateBotToken(ctx context.Context, who Actor, id string) (string, error) {
	if err := needAdmin(who); err != nil {
		return "", err
	}
	if err := userParam(id); err != nil {
		return "", refusal(auth.ErrNoBot)
	}
	token, err := a.Auth.RotateBotToken(ctx, id)
	if errors.Is(err, auth.ErrNoBot) {
		return "", refusal(err)
	}
	if err != nil {
		return "", unavailable(err, "no new token")
	}
	return token, nil
}
