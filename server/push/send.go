package push

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Notification is what a push carries: the fields go-app v10.1.11's
// service worker passes on to showNotification (title, body, icon,
// badge, actions, and path, opened on a click). It drops the others (tag,
// renotify, data, timestamp), so pushes cannot replace one another on
// the device: they are spaced out here instead (Claim).
type Notification struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Badge string `json:"badge,omitempty"`
	Path  string `json:"path"`
}

// MaxBody bounds a push's body, in bytes: the payload must fit one
// 4 KiB record, encrypted, with the title and path.
const MaxBody = 1000

// pushTTL is how long a push service keeps a push for a device that is
// off: a day-old "ana wrote to you" still matters; a week-old one does not.
const pushTTL = 24 * 60 * 60

// Send pushes n to d, signed with the server's VAPID keys; subscriber is
// the contact in the VAPID token (a mailto: or https: URL: Apple refuses
// a token without one). gone says the push service no longer knows the
// subscription (404, 410): forget the device. hc makes the request, and
// must refuse addresses a person may not make the server call (outgoing).
func (s *Store) Send(ctx context.Context, hc *http.Client, subscriber string, d Device, n Notification) (gone bool, err error) {
	payload, _ := json.Marshal(n)
	// webpush-go writes "mailto:" before anything not https: itself.
	subscriber = strings.TrimPrefix(subscriber, "mailto:")
	res, err := webpush.SendNotificationWithContext(ctx, payload, &d.Sub, &webpush.Options{
		HTTPClient:      hc,
		Subscriber:      subscriber,
		VAPIDPublicKey:  s.public,
		VAPIDPrivateKey: s.private,
		TTL:             pushTTL,
		Urgency:         webpush.UrgencyHigh,
	})
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 16<<10))
	switch {
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone:
		return true, nil
	case res.StatusCode < 200 || res.StatusCode > 299:
		return false, fmt.Errorf("push service answered %s", res.Status)
	}
	return false, nil
}
