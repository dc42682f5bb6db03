package googlehealth

// Google Health API notifications (providers.md §8; Google's page
// https://developers.google.com/health/webhooks). The project's subscriber
// is registered with a service account, outside wearstream (README); its
// endpointAuthorization secret is GOOGLE_HEALTH_WEBHOOK_SECRET, which
// Google sends as the whole Authorization header ("the value must include
// the authorization scheme", EndpointAuthorization in
// https://developers.google.com/health/reference/rest/v4/projects.subscribers).
// Every request must carry it (as it is, or after "Bearer "). Google's
// endpoint verification posts {"type":"verification"} once with it
// (answered 201 Created, as the subscribers.create reference requires)
// and once without (answered 401).
//
// When GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY is set, a notification must also
// carry a valid ECDSA P-256 signature of its raw body (signature.go);
// without a key, the secret alone is checked. A verification body without
// a signature header is let through on the secret alone, since it carries
// no data and Google's reference does not say that it is signed.
//
// A notification is an array of {"data": {healthUserId, operation,
// dataType, intervals}} (a single {"data": …} object is read too); the
// dataType is the kebab-case id of the data points URL. An UPSERT becomes a
// fetch of the data type over each interval. A DELETE names only an
// interval, not the data points it removed: one of a data type the
// normaliser maps (deletedKinds and deletedSeries) is kept as a raw event
// (a one-item notification array) that the normaliser turns into a range
// deletion; other DELETEs are not acted on. The notification layout is
// Open Wearables' (Google's reference pages consulted do not show it).

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
		p.Webhook = &ingest.Webhook{Verify: Verify, Parse: ParseWebhook, Status: verificationStatus}
	})
}

// Verify checks the Authorization secret in constant time and, when a
// public key is configured, the ECDSA signature of body.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	got := strings.TrimSpace(h.Get("Authorization"))
	if !ingest.EqualSecret(s.WebhookSecret, got) && !ingest.EqualSecret(s.WebhookSecret, strings.TrimSpace(strings.TrimPrefix(got, "Bearer "))) {
		if s.WebhookSecret == "" {
			return errors.Join(ingest.ErrUnverified, errors.New("no webhook secret is configured"))
		}
		return errors.Join(ingest.ErrUnverified, errors.New("the Authorization secret does not match"))
	}
	setting := s.Extra[envPublicKey]
	if strings.TrimSpace(setting) == "" {
		return nil
	}
	keys, err := PublicKeys(setting)
	if err != nil {
		return errors.Join(ingest.ErrUnverified, err)
	}
	var sig string
	for _, name := range signatureHeaders {
		if sig = strings.TrimSpace(h.Get(name)); sig != "" {
			break
		}
	}
	if sig == "" {
		if isVerification(body) {
			return nil
		}
		return errors.Join(ingest.ErrUnverified, errors.New("the X-HEALTHAPI-SIGNATURE header is missing"))
	}
	if err := checkSignature(keys, sig, body); err != nil {
		return errors.Join(ingest.ErrUnverified, err)
	}
	return nil
}

// verificationStatus answers Google's verified endpoint verification 201
// Created, which subscriber creation requires; other bodies keep 200.
func verificationStatus(body []byte) int {
	if isVerification(body) {
		return http.StatusCreated
	}
	return 0
}

// isVerification reports whether body is Google's endpoint verification.
func isVerification(body []byte) bool {
	keys, ok := ingest.ObjectKeys(body)
	if !ok || len(keys) != 1 {
		return false
	}
	var typ string
	return json.Unmarshal(keys["type"], &typ) == nil && typ == "verification"
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
// a data type the normaliser maps becomes an item whose Body is that
// notification alone, kept as a raw event.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	type item struct {
		Data Notification `json:"data"`
	}
	var items []item
	if keys, ok := ingest.ObjectKeys(body); ok {
		if isVerification(body) {
			return nil, nil
		}
		if keys["data"] == nil {
			return nil, errors.New("cannot decode google health notification: an object that is neither a verification nor a notification")
		}
		var one item
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, fmt.Errorf("cannot decode google health notification: %w", err)
		}
		items = []item{one}
	} else if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("cannot decode google health notifications: %w", err)
	}
	var out []ingest.Item
	for _, it := range items {
		d := it.Data
		user := strings.TrimSpace(d.HealthUserID)
		if user != "" && strings.EqualFold(d.Operation, "DELETE") && deletable(d.DataType) {
			one, err := json.Marshal([]item{{Data: d}})
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
