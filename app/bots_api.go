package app

import (
	"context"
	"net/url"
	"time"
)

// bot is a bot as GET /api/bots lists it: never its token or secret.
type bot struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Webhook string    `json:"webhook,omitempty"`
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

// botKeys is what the server shows once: a new bot's token (and its
// webhook's secret), or a rotated token.
type botKeys struct {
	Bot    bot    `json:"bot"`
	Token  string `json:"token"`
	Secret string `json:"secret,omitempty"`
}

func fetchBots(ctx context.Context) ([]bot, error) {
	var a struct {
		Bots []bot `json:"bots"`
	}
	err := apiCall(ctx, "GET", "/api/bots", nil, &a)
	return a.Bots, err
}

func createBot(ctx context.Context, name, webhook string) (botKeys, error) {
	var k botKeys
	err := apiCall(ctx, "POST", "/api/bots", map[string]string{"name": name, "webhook": webhook}, &k)
	return k, err
}

func rotateBotToken(ctx context.Context, id string) (string, error) {
	var a struct {
		Token string `json:"token"`
	}
	err := apiCall(ctx, "POST", "/api/bots/"+url.PathEscape(id)+"/token", map[string]string{}, &a)
	return a.Token, err
}

func revokeBot(ctx context.Context, id string) error {
	return apiCall(ctx, "DELETE", "/api/bots/"+url.PathEscape(id), nil, nil)
}
