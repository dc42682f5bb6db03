package whoop

// WHOOP's webhooks (providers.md §5): notify, then fetch; the URL is set in
// the developer dashboard (model v2), with no handshake.
// X-WHOOP-Signature is the base64 HMAC-SHA256, keyed with the client
// secret, of X-WHOOP-Signature-Timestamp (epoch milliseconds) followed by
// the raw body; a timestamp more than five minutes away is refused as a
// replay. workout.* and sleep.* name the record's UUID; recovery.* names
// the UUID of the sleep the recovery belongs to, whose cycle leads to the
// recovery. An update becomes a fetch; a delete is kept as it is, and the
// normaliser turns it into a deleted record. A v1 notification's integer
// workout or sleep id is mapped to its UUID first.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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
		p.Webhook = &ingest.Webhook{Verify: Verify, Parse: ParseWebhook}
	})
}

// MaxSkew is how far a notification's timestamp may be from now.
const MaxSkew = 5 * time.Minute

// now is the clock of timestamp checks.
var now = time.Now

// Verify checks X-WHOOP-Signature over X-WHOOP-Signature-Timestamp and
// the body.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	if s.ClientSecret == "" {
		return errors.Join(ingest.ErrUnverified, errors.New("no client secret is configured"))
	}
	ts := strings.TrimSpace(h.Get("X-WHOOP-Signature-Timestamp"))
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.Join(ingest.ErrUnverified, errors.New("X-WHOOP-Signature-Timestamp is missing or not epoch milliseconds"))
	}
	if d := now().Sub(time.UnixMilli(ms)); d > MaxSkew || d < -MaxSkew {
		return errors.Join(ingest.ErrUnverified, fmt.Errorf("X-WHOOP-Signature-Timestamp is %s away from now", d.Round(time.Second)))
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h.Get("X-WHOOP-Signature")))
	if err != nil || len(got) != sha256.Size {
		return errors.Join(ingest.ErrUnverified, errors.New("X-WHOOP-Signature is missing or not base64 HMAC-SHA256"))
	}
	if !hmac.Equal(got, signature(s.ClientSecret, ts, body)) {
		return errors.Join(ingest.ErrUnverified, errors.New("the signature does not match the body"))
	}
	return nil
}

// Sign returns the X-WHOOP-Signature of body sent at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	return base64.StdEncoding.EncodeToString(signature(secret, ts, body))
}

func signature(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write(body)
	return m.Sum(nil)
}

// The data types of fetches.
const (
	dataWorkout  = "workout"
	dataSleep    = "sleep"
	dataRecovery = "recovery"
	// dataMapping resolves a v1 id (URL /v1/activity-mapping/{id}) before
	// fetching the workout or sleep; the kind follows the colon.
	dataMapping = "v1-mapping:"
)

// ParseWebhook reads a verified notification: a fetch for an update, the
// notification itself for a delete.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var w struct {
		UserID ingest.Text `json:"user_id"`
		ID     ingest.Text `json:"id"`
		Type   ingest.Text `json:"type"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("cannot decode whoop webhook: %w", err)
	}
	user, id := string(w.UserID), string(w.ID)
	if user == "" || id == "" || w.Type == "" {
		return nil, errors.New("cannot decode whoop webhook: user_id, id or type is missing")
	}
	kind, event, _ := strings.Cut(strings.ToLower(string(w.Type)), ".")
	if kind != dataWorkout && kind != dataSleep && kind != dataRecovery {
		return nil, nil
	}
	_, intErr := strconv.ParseInt(id, 10, 64)
	v1 := intErr == nil
	switch event {
	case "deleted":
		return []ingest.Item{{ProviderUserID: user, Body: body, ContentType: "application/json"}}, nil
	case "updated", "created":
	default:
		return nil, nil
	}
	item := ingest.Item{ProviderUserID: user, Job: ingest.JobFetch, DataType: kind}
	switch {
	case v1 && kind == dataRecovery:
		item.URL = "/v2/cycle/" + id + "/recovery" // v1 recovery ids are cycle ids
	case v1:
		item.DataType, item.URL = dataMapping+kind, "/v1/activity-mapping/"+id
	case kind == dataWorkout:
		item.URL = "/v2/activity/workout/" + url.PathEscape(id)
	default: // sleep, and recovery through its sleep
		item.URL = "/v2/activity/sleep/" + url.PathEscape(id)
	}
	return []ingest.Item{item}, nil
}
