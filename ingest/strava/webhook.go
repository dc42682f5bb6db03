package strava

// Strava's webhooks (providers.md §6): one push subscription per
// application. When it is created, Strava calls the callback with
// GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…, answered
// {"hub.challenge": …} when the verify token is STRAVA_WEBHOOK_VERIFY_TOKEN.
// Events are not signed: they are only accepted for the configured
// subscription (STRAVA_SUBSCRIPTION_ID, when set), and they carry no data:
// a created or updated activity is fetched, a deleted one is kept as it is
// (the normaliser deletes the workout), and an athlete's deauthorisation
// (updates.authorized "false") revokes the connection.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Challenge: Challenge, Parse: ParseWebhook}
	})
}

// dataActivity is the data type of an activity fetch.
const dataActivity = "activity"

// Challenge answers the subscription handshake.
func Challenge(s ingest.Settings, q url.Values) (int, []byte, error) {
	if q.Get("hub.mode") != "subscribe" || q.Get("hub.challenge") == "" {
		return 0, nil, errors.Join(ingest.ErrUnverified, errors.New("not a subscription handshake"))
	}
	if !ingest.EqualSecret(s.Extra[envVerifyToken], q.Get("hub.verify_token")) {
		return 0, nil, errors.Join(ingest.ErrUnverified, errors.New("hub.verify_token does not match "+envVerifyToken))
	}
	body, err := json.Marshal(map[string]string{"hub.challenge": q.Get("hub.challenge")})
	if err != nil {
		return 0, nil, fmt.Errorf("cannot encode the strava challenge: %w", err)
	}
	return http.StatusOK, body, nil
}

// Verify accepts the events of the configured subscription. Strava signs
// nothing; without STRAVA_SUBSCRIPTION_ID every well-formed event passes,
// and only the unguessable webhook URL protects it.
func Verify(s ingest.Settings, _ http.Header, body []byte) error {
	want := strings.TrimSpace(s.Extra[envSubscriptionID])
	if want == "" {
		return nil
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return errors.Join(ingest.ErrUnverified, fmt.Errorf("cannot decode strava event: %w", err))
	}
	if !ingest.EqualSecret(want, string(e.SubscriptionID)) {
		return errors.Join(ingest.ErrUnverified, errors.New("the event is of another push subscription"))
	}
	return nil
}

// ParseWebhook reads a verified event into work for the owner's connection.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("cannot decode strava event: %w", err)
	}
	owner := string(e.OwnerID)
	if owner == "" {
		return nil, errors.New("cannot decode strava event: owner_id is missing")
	}
	switch {
	case e.Deauthorized():
		return []ingest.Item{{ProviderUserID: owner, Job: ingest.JobRevoke}}, nil
	case e.ObjectType != "activity" || e.ObjectID == "":
		return nil, nil // athlete profile updates carry nothing kept
	case e.AspectType == "delete":
		return []ingest.Item{{ProviderUserID: owner, Body: body, ContentType: "application/json"}}, nil
	case e.AspectType == "create" || e.AspectType == "update":
		return []ingest.Item{{ProviderUserID: owner, Job: ingest.JobFetch, DataType: dataActivity,
			URL: "activities/" + url.PathEscape(string(e.ObjectID))}}, nil
	}
	return nil, nil
}
