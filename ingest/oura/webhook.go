package oura

// Oura's webhooks (providers.md §2): notify, then fetch. Subscriptions are
// made by API (subscriptions.go); on creating one Oura sends GET
// <callback>?verification_token=...&challenge=..., answered with
// {"challenge": ...} when the token is ours. Notifications are signed:
// x-oura-signature is the hex HMAC-SHA256, keyed with the client secret, of
// x-oura-timestamp followed by the raw body; a timestamp more than five
// minutes away is refused as a replay. A create or update notification
// becomes a fetch of the document; a delete is kept as it is, and the
// normaliser turns it into a deleted record.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Challenge: Challenge, Parse: ParseWebhook}
	})
}

// The event types of notifications.
const (
	eventCreate = "create"
	eventUpdate = "update"
	eventDelete = "delete"
)

// MaxSkew is how far a notification's timestamp may be from now.
const MaxSkew = 5 * time.Minute

// now is the clock of timestamp checks.
var now = time.Now

// Verify checks x-oura-signature over x-oura-timestamp and the body.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	if s.ClientSecret == "" {
		return errors.Join(ingest.ErrUnverified, errors.New("no client secret is configured"))
	}
	ts := strings.TrimSpace(h.Get("X-Oura-Timestamp"))
	at, ok := parseTimestamp(ts)
	if !ok {
		return errors.Join(ingest.ErrUnverified, errors.New("x-oura-timestamp is missing or not a time"))
	}
	if d := now().Sub(at); d > MaxSkew || d < -MaxSkew {
		return errors.Join(ingest.ErrUnverified, fmt.Errorf("x-oura-timestamp is %s away from now", d.Round(time.Second)))
	}
	got, err := hex.DecodeString(strings.TrimSpace(h.Get("X-Oura-Signature")))
	if err != nil || len(got) != sha256.Size {
		return errors.Join(ingest.ErrUnverified, errors.New("x-oura-signature is missing or not hex HMAC-SHA256"))
	}
	if !hmac.Equal(got, signature(s.ClientSecret, ts, body)) {
		return errors.Join(ingest.ErrUnverified, errors.New("the signature does not match the body"))
	}
	return nil
}

// Sign returns the x-oura-signature of body sent at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	return strings.ToUpper(hex.EncodeToString(signature(secret, ts, body)))
}

func signature(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write(body)
	return m.Sum(nil)
}

// parseTimestamp reads epoch seconds, epoch milliseconds or RFC 3339.
func parseTimestamp(ts string) (time.Time, bool) {
	if ts == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	return t, err == nil
}

// Challenge answers the verification handshake of a new subscription.
func Challenge(s ingest.Settings, q url.Values) (int, []byte, error) {
	if !ingest.EqualSecret(s.Extra[envVerificationToken], q.Get("verification_token")) {
		return 0, nil, errors.Join(ingest.ErrUnverified, errors.New("the verification token does not match"))
	}
	challenge := q.Get("challenge")
	if challenge == "" {
		return 0, nil, errors.Join(ingest.ErrUnverified, errors.New("the challenge is missing"))
	}
	b, err := json.Marshal(map[string]string{"challenge": challenge})
	if err != nil {
		return 0, nil, fmt.Errorf("cannot encode the challenge: %w", err)
	}
	return http.StatusOK, b, nil
}

// notification is the body of Oura's webhooks.
type notification struct {
	EventType ingest.Text `json:"event_type"`
	DataType  ingest.Text `json:"data_type"`
	ObjectID  ingest.Text `json:"object_id"`
	UserID    ingest.Text `json:"user_id"`
}

// ParseWebhook reads a verified notification: a fetch of the document for
// create and update, the notification itself for delete. Data types that
// are not kept are answered and dropped.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var w notification
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("cannot decode oura webhook: %w", err)
	}
	user, id := string(w.UserID), string(w.ObjectID)
	dataType := strings.ToLower(string(w.DataType))
	if user == "" || id == "" || dataType == "" {
		return nil, errors.New("cannot decode oura webhook: user_id, object_id or data_type is missing")
	}
	if !subscribed[dataType] {
		return nil, nil
	}
	switch strings.ToLower(string(w.EventType)) {
	case eventCreate, eventUpdate:
		return []ingest.Item{{
			ProviderUserID: user, Job: ingest.JobFetch, DataType: dataType,
			URL: "/v2/usercollection/" + collectionPath(dataType) + "/" + url.PathEscape(id),
		}}, nil
	case eventDelete:
		return []ingest.Item{{ProviderUserID: user, Body: body, ContentType: "application/json"}}, nil
	}
	return nil, nil
}

// collectionPath is the path segment of a data type: Oura spells vo2_max
// vO2_max in its routes.
func collectionPath(dataType string) string {
	if dataType == "vo2_max" {
		return "vO2_max"
	}
	return dataType
}
