package polar

// Polar's webhook notifications (providers.md §3, "Webhooks"): notify →
// fetch. A notification names an event, the Polar user, the changed entity
// and the url to GET with the user's token; a PING, sent when the webhook is
// registered or changed, must be answered 200. Neither carries data, so
// Normalize yields no records for them and counts them as skipped.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// EventPing is the event type of the notification Polar sends when a
// webhook is created or changed.
const EventPing = "PING"

// Event is one webhook notification from Polar.
type Event struct {
	// Type is the event: EXERCISE, SLEEP, CONTINUOUS_HEART_RATE,
	// ACTIVITY_SUMMARY, SLEEP_WISE_ALERTNESS, SLEEP_WISE_CIRCADIAN_BEDTIME,
	// PHYSICAL_INFORMATION or PING.
	Type string
	// UserID is the Polar user id (the token response's x_user_id).
	UserID string
	// EntityID is the changed entity: an exercise id, or a date for
	// day-level data.
	EntityID string
	// URL is where the changed data is fetched with the user's token.
	URL string
	// Timestamp is when Polar sent the notification; zero when absent.
	Timestamp time.Time
}

// IsPing reports whether the notification is the PING that Polar sends to
// check a webhook's url.
func (e Event) IsPing() bool { return e.Type == EventPing }

// webhookBody is the JSON of a notification.
type webhookBody struct {
	Event     *string `json:"event"`
	UserID    text    `json:"user_id"`
	EntityID  text    `json:"entity_id"`
	Timestamp text    `json:"timestamp"`
	URL       text    `json:"url"`
}

// ParseWebhook reads a Polar webhook body. A PING needs only its event; any
// other notification also needs the user id and the url to fetch. The
// timestamp, when present, must be an ISO-8601 time with an offset.
func ParseWebhook(body []byte) (Event, error) {
	var w webhookBody
	if err := json.Unmarshal(body, &w); err != nil {
		return Event{}, fmt.Errorf("cannot decode polar webhook: %w", err)
	}
	if w.Event == nil || strings.TrimSpace(*w.Event) == "" {
		return Event{}, errors.New("cannot decode polar webhook: event is missing")
	}
	e := Event{
		Type:     strings.ToUpper(strings.TrimSpace(*w.Event)),
		UserID:   string(w.UserID),
		EntityID: string(w.EntityID),
		URL:      string(w.URL),
	}
	if w.Timestamp != "" {
		t, _, hasZone, ok := parseTime(string(w.Timestamp))
		if !ok || !hasZone {
			return Event{}, fmt.Errorf("cannot decode polar webhook: timestamp %q is not an ISO-8601 time with an offset", ingest.Truncate(string(w.Timestamp), 60))
		}
		e.Timestamp = t
	}
	if e.IsPing() {
		return e, nil
	}
	if e.UserID == "" {
		return Event{}, fmt.Errorf("cannot decode polar webhook: %s event without user_id", ingest.Truncate(e.Type, 60))
	}
	if e.URL == "" {
		return Event{}, fmt.Errorf("cannot decode polar webhook: %s event without url", ingest.Truncate(e.Type, 60))
	}
	return e, nil
}

// webhook counts a notification body, which carries no data.
func (n *normalizer) webhook(body []byte) error {
	e, err := ParseWebhook(body)
	if err != nil {
		return err
	}
	if e.IsPing() {
		n.Out.Skip("webhook PING (no data)")
		return nil
	}
	n.Out.Skip("webhook " + ingest.Truncate(e.Type, 60) + " notification (no data; fetched from its url)")
	return nil
}

// Receiving Polar's webhooks: a PING is answered 200 before any check (Polar
// sends it unsigned when the webhook is created and fails the creation
// otherwise) and has no effect; every other notification must carry
// Polar-Webhook-Signature, the hex HMAC-SHA256 of the raw body keyed with
// the webhook's signature_secret_key (POLAR_WEBHOOK_SECRET), and becomes a
// fetch of its url with the user's token.

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Unverified: IsPingBody, Parse: ParseItems}
	})
}

// Verify checks the Polar-Webhook-Signature header.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	return ingest.VerifyHMAC(s.WebhookSecret, h.Get("Polar-Webhook-Signature"), body)
}

// IsPingBody reports whether body is Polar's PING.
func IsPingBody(body []byte) bool {
	e, err := ParseWebhook(body)
	return err == nil && e.IsPing()
}

// fetchedEvents are the notifications whose url is fetched: the ones whose
// data the normaliser reads.
var fetchedEvents = map[string]bool{"EXERCISE": true, "SLEEP": true, "CONTINUOUS_HEART_RATE": true, "ACTIVITY_SUMMARY": true}

// ParseItems reads a verified notification into a fetch of its url.
func ParseItems(body []byte) ([]ingest.Item, error) {
	e, err := ParseWebhook(body)
	if err != nil {
		return nil, err
	}
	if e.IsPing() || !fetchedEvents[e.Type] {
		return nil, nil
	}
	return []ingest.Item{{ProviderUserID: e.UserID, Job: ingest.JobFetch, DataType: e.Type, URL: e.URL}}, nil
}
