package suunto

// Suunto's webhooks (providers.md §4): push with payload, signed with
// X-HMAC-SHA256-Signature, the hex HMAC-SHA256 of the raw body keyed with
// the notification secret of the API Zone profile; no handshake. The 24/7
// activity, sleep and recovery notifications carry their samples and
// WORKOUT_CREATED a workout summary: the body is kept as it is. A new
// workout is also fetched whole from /v3/workouts/{workoutKey}, as the
// summary lacks some of the workout's statistics.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Parse: ParseWebhook, PushesData: true}
	})
}

// Verify checks the X-HMAC-SHA256-Signature header.
func Verify(s ingest.Settings, h http.Header, body []byte) error {
	return ingest.VerifyHMAC(s.WebhookSecret, h.Get("X-HMAC-SHA256-Signature"), body)
}

// ParseWebhook reads a verified notification into the body to keep and,
// for a new workout, a fetch of the whole workout.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var w struct {
		Type     string `json:"type"`
		Username string `json:"username"`
		Workout  *struct {
			WorkoutKey string `json:"workoutKey"`
		} `json:"workout"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("cannot decode suunto webhook: %w", err)
	}
	user := strings.TrimSpace(w.Username)
	if user == "" {
		return nil, fmt.Errorf("cannot decode suunto webhook: username is missing")
	}
	switch strings.ToUpper(strings.TrimSpace(w.Type)) {
	case typeActivity, typeSleep, typeRecovery:
		return []ingest.Item{{ProviderUserID: user, Body: body, ContentType: "application/json"}}, nil
	case typeWorkoutCreated:
		out := []ingest.Item{{ProviderUserID: user, Body: body, ContentType: "application/json"}}
		if w.Workout != nil && strings.TrimSpace(w.Workout.WorkoutKey) != "" {
			out = append(out, ingest.Item{
				ProviderUserID: user, Job: ingest.JobFetch, DataType: dataWorkout,
				URL: "/v3/workouts/" + url.PathEscape(strings.TrimSpace(w.Workout.WorkoutKey)),
			})
		}
		return out, nil
	}
	return nil, nil // ROUTE_CREATED and unknown types carry nothing kept
}
