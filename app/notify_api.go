package app

import (
	"context"
	"net/url"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// notifyChoice is a person's choice for a room's notifications, in the
// page and in pushes (GET/PUT /api/rooms/{id}/notify).
type notifyChoice struct {
	Level    string `json:"level"`
	Previews bool   `json:"previews"`
}

func fetchNotifyChoice(ctx context.Context, room string) (notifyChoice, error) {
	var c notifyChoice
	err := apiCall(ctx, "GET", "/api/rooms/"+url.PathEscape(room)+"/notify", nil, &c)
	return c, err
}

func saveNotifyChoice(ctx context.Context, room string, c notifyChoice) error {
	return apiCall(ctx, "PUT", "/api/rooms/"+url.PathEscape(room)+"/notify", c, nil)
}

// subscribePush subscribes this browser to Web Push with the server's
// VAPID key (go-app's service worker shows what comes) and gives the
// subscription to the server. It returns the subscription's endpoint,
// which unsubscribing names. It blocks: call it from ctx.Async.
func subscribePush(ctx context.Context, notes app.NotificationService) (string, error) {
	var key struct {
		Key string `json:"key"`
	}
	if err := apiCall(ctx, "GET", "/api/push/key", nil, &key); err != nil {
		return "", err
	}
	sub, err := notes.Subscribe(key.Key)
	if err != nil {
		return "", err
	}
	if err := apiCall(ctx, "POST", "/api/push/subscriptions", sub, nil); err != nil {
		return "", err
	}
	return sub.Endpoint, nil
}

// unsubscribePush tells the server to forget this device's subscription,
// and the browser to end it.
func unsubscribePush(ctx context.Context, endpoint string) error {
	if reg := app.Window().Get("navigator").Get("serviceWorker"); reg.Truthy() {
		var ready, got app.Func
		ready = app.FuncOf(func(this app.Value, args []app.Value) any {
			return args[0].Get("pushManager").Call("getSubscription")
		})
		got = app.FuncOf(func(this app.Value, args []app.Value) any {
			if len(args) > 0 && args[0].Truthy() {
				args[0].Call("unsubscribe")
			}
			ready.Release()
			got.Release()
			return nil
		})
		reg.Get("ready").Call("then", ready).Call("then", got)
	}
	if endpoint == "" {
		return nil
	}
	return apiCall(ctx, "DELETE", "/api/push/subscriptions", map[string]string{"endpoint": endpoint}, nil)
}
