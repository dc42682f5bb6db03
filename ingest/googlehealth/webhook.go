package googlehealth

// Google Health API notifications (providers.md §8). The project's
// subscriber is registered with a service account, outside wearstream
// (README); its endpointAuthorization secret is GOOGLE_HEALTH_WEBHOOK_SECRET.
// Every request carries the secret in Authorization (as it is, or after
// "Bearer "); Google's endpoint verification posts {"type":"verification"}
// once with it (answered 200) and once without (answered 401). A
// notification is an array of {"data": {healthUserId, operation, dataType,
// intervals}}; an UPSERT becomes a fetch of the data type over each
// interval. A DELETE names only an interval, not the data points it
// removed: one of exercise or sleep is kept as a raw event (a one-item
// notification array) that the normaliser turns into a range deletion;
// other DELETEs are not acted on. The ECDSA X-HEALTHAPI-SIGNATURE is not
// checked.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Parse: ParseWebhook}
	})
}

// Verify checks the Authorization secret in constant time.
func Verify(s ingest.Settings, h http.Header, _ []byte) error {
	got := strings.TrimSpace(h.Get("Authorization"))
	if ingest.EqualSecret(s.WebhookSecret, got) || ingest.EqualSecret(s.WebhookSecret, strings.TrimSpace(strings.TrimPrefix(got, "Bearer "))) {
		return nil
	}
	if s.WebhookSecret == "" {
		return errors.Join(ingest.ErrUnverified, errors.New("no webhook secret is configured"))
	}
	return errors.Join(ingest.ErrUnverified, errors.New("the Authorization secret does not match"))
}

// Notification is the data of one notification.
type Notification struct {
	HealthUserID string                 `json:"healthUserId"`
	Operation    string                 `json:"operation"`
	DataType     string                 `json:"dataType"`
	Intervals    []NotificationInterval `json:"intervals"`
}

// NotificationInterval is one interval of a notification.
type NotificationInterval struct {
	PhysicalTimeInterval struct {
		StartTime string `json:"startTime"`
		EndTime   string `json:"endTime"`
	} `json:"physicalTimeInterval"`
}

// span is the interval as [start, end): the end rounded up to the next
// second, as the data point filter compares with "<".
func (iv NotificationInterval) span() (time.Time, time.Time, bool) {
	s, err1 := time.Parse(time.RFC3339Nano, iv.PhysicalTimeInterval.StartTime)
	e, err2 := time.Parse(time.RFC3339Nano, iv.PhysicalTimeInterval.EndTime)
	if err1 != nil || err2 != nil || e.Before(s) {
		return time.Time{}, time.Time{}, false
	}
	return s.UTC(), e.UTC().Add(time.Second).Truncate(time.Second), true
}

// ParseWebhook reads a verified body into fetches: Item.DataType is the
// data type, Item.URL the interval as "start/end" (RFC 3339). A DELETE of
// exercise or sleep becomes an item whose Body is that notification alone,
// kept as a raw event.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	if keys, ok := ingest.ObjectKeys(body); ok {
		var typ string
		if json.Unmarshal(keys["type"], &typ) == nil && typ == "verification" {
			return nil, nil
		}
		return nil, errors.New("cannot decode google health notification: an object that is not a verification")
	}
	var items []struct {
		Data Notification `json:"data"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("cannot decode google health notifications: %w", err)
	}
	var out []ingest.Item
	for _, it := range items {
		d := it.Data
		user := strings.TrimSpace(d.HealthUserID)
		if user != "" && strings.EqualFold(d.Operation, "DELETE") && deletedKinds[d.DataType] != "" {
			one, err := json.Marshal([]any{map[string]Notification{"data": d}})
			if err != nil {
				return nil, fmt.Errorf("cannot encode google health delete notification: %w", err)
			}
			out = append(out, ingest.Item{ProviderUserID: user, Body: one, ContentType: "application/json"})
			continue
		}
		if user == "" || !strings.EqualFold(d.Operation, "UPSERT") || filterField[d.DataType] == "" {
			continue
		}
		for _, iv := range d.Intervals {
			s, e, ok := iv.span()
			if !ok {
				continue
			}
			out = append(out, ingest.Item{ProviderUserID: user, Job: ingest.JobFetch, DataType: d.DataType,
				URL: s.Format(time.RFC3339) + "/" + e.Format(time.RFC3339)})
		}
	}
	return out, nil
}
