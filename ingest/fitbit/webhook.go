package fitbit

// Fitbit's Subscriptions API (providers.md §7): the subscriber endpoint is
// verified with GET ?verify=<code>, answered 204 for the code dev.fitbit.com
// shows and 404 for any other. Notifications are a JSON array of
// {collectionType, date, ownerId, ownerType, subscriptionId}, signed with
// X-Fitbit-Signature, the base64 HMAC-SHA1 of the raw body keyed with the
// client secret and "&". They carry no data: each becomes a fetch of its
// collection for its date; userRevokedAccess revokes the connection.

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Challenge: Challenge, Parse: ParseWebhook}
	})
}

// The collections fetched after a notification.
const (
	collActivities = "activities"
	collSleep      = "sleep"
	collBody       = "body"
)

// Challenge answers the subscriber verification.
func Challenge(s ingest.Settings, q url.Values) (int, []byte, error) {
	if ingest.EqualSecret(s.Extra[envVerifyCode], q.Get("verify")) {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusNotFound, nil, nil
}

// Sign returns the X-Fitbit-Signature of body for clientSecret.
func Sign(clientSecret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(clientSecret+"&"))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks X-Fitbit-Signature in constant time.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	if s.ClientSecret == "" {
		return errors.Join(ingest.ErrUnverified, errors.New("no fitbit client secret is configured"))
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h.Get("X-Fitbit-Signature")))
	if err != nil || len(got) != sha1.Size {
		return errors.Join(ingest.ErrUnverified, errors.New("X-Fitbit-Signature is missing or not base64 HMAC-SHA1"))
	}
	want, _ := base64.StdEncoding.DecodeString(Sign(s.ClientSecret, body))
	if !hmac.Equal(got, want) {
		return errors.Join(ingest.ErrUnverified, errors.New("the signature does not match the body"))
	}
	return nil
}

// Notification is one entry of a notification body.
type Notification struct {
	CollectionType string `json:"collectionType"`
	Date           string `json:"date"`
	OwnerID        string `json:"ownerId"`
	OwnerType      string `json:"ownerType"`
	SubscriptionID string `json:"subscriptionId"`
}

// ParseWebhook reads a verified notification array into fetches of a
// collection for a date (Item.DataType the collection, Item.URL the date)
// and revocations.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var ns []Notification
	if err := json.Unmarshal(body, &ns); err != nil {
		return nil, fmt.Errorf("cannot decode fitbit notifications: %w", err)
	}
	var out []ingest.Item
	seen := map[string]bool{}
	for _, n := range ns {
		owner := strings.TrimSpace(n.OwnerID)
		if owner == "" {
			continue
		}
		coll := strings.TrimSpace(n.CollectionType)
		if coll == "userRevokedAccess" || coll == "deleteUser" {
			out = append(out, ingest.Item{ProviderUserID: owner, Job: ingest.JobRevoke})
			continue
		}
		if coll != collActivities && coll != collSleep && coll != collBody {
			continue // foods and unknown collections are not kept
		}
		if _, err := time.Parse(time.DateOnly, n.Date); err != nil {
			continue
		}
		if k := owner + "|" + coll + "|" + n.Date; !seen[k] {
			seen[k] = true
			out = append(out, ingest.Item{ProviderUserID: owner, Job: ingest.JobFetch, DataType: coll, URL: n.Date})
		}
	}
	return out, nil
}
