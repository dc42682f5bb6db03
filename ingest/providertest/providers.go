package providertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
)

// Garmin plays Garmin: PKCE, credentials in the form body, refresh tokens,
// the partner gateway's user routes, the backfill API (202) and the pull
// routes of its ping fixture. Fixtures name https://apis.garmin.com; read
// them with s.Fixture("garmin", name, GarminHost).
func Garmin(t testing.TB) *Server {
	s := New(t, "GARMIN")
	s.PKCE, s.Refresh, s.ExpiresIn = true, true, 86400
	s.Handle("GET", "/partner-gateway/rest/user/id", 200, []byte(`{"userId": "garmin_user_123"}`))
	s.Handle("GET", "/partner-gateway/rest/user/permissions", 200, []byte(`{"permissions": ["ACTIVITY_EXPORT", "HEALTH_EXPORT", "HISTORICAL_DATA_EXPORT"]}`))
	s.Handle("DELETE", "/partner-gateway/rest/user/registration", 204, nil)
	for _, typ := range []string{"dailies", "epochs", "sleeps", "hrv", "stressDetails", "pulseOx", "respiration", "bodyComps",
		"bloodPressures", "userMetrics", "skinTemp", "healthSnapshot", "activities", "activityDetails"} {
		s.Handle("GET", "/wellness-api/rest/backfill/"+typ, 202, nil)
	}
	var dailies, sleeps map[string]json.RawMessage
	_ = json.Unmarshal(s.Fixture("garmin", "garmin_push_dailies.json", ""), &dailies)
	_ = json.Unmarshal(s.Fixture("garmin", "garmin_push_sleeps.json", ""), &sleeps)
	s.Handle("GET", "/wellness-api/rest/dailies", 200, dailies["dailies"])
	s.Handle("GET", "/wellness-api/rest/sleeps", 200, sleeps["sleeps"])
	return s
}

// GarminHost is the API host Garmin's fixtures name.
const GarminHost = "https://apis.garmin.com"

// PolarHost is the API host Polar's fixtures name.
const PolarHost = "https://www.polaraccesslink.com"

// PolarUserID is the x_user_id the fake Polar issues (the fixtures' user).
const PolarUserID = 475

// Polar plays Polar AccessLink: Basic client authentication, no refresh
// tokens, x_user_id in the token response, user registration, and the
// exercise, sleep, nightly recharge, activity and heart-rate routes.
func Polar(t testing.TB) *Server {
	s := New(t, "POLAR")
	s.BasicAuth = true
	s.TokenExtra = map[string]any{"x_user_id": PolarUserID}
	s.Handle("POST", "/v3/users", 200, []byte(`{"polar-user-id": 475, "member-id": "x"}`))
	AcceptPolarWebhooks(s)
	s.Handle("DELETE", fmt.Sprintf("/v3/users/%d", PolarUserID), 204, nil)
	exercise := s.Fixture("polar", "polar_exercise.json", PolarHost)
	s.Handle("GET", "/v3/exercises", 200, append(append([]byte("["), exercise...), ']'))
	s.Handle("GET", "/v3/exercises/aQlC83", 200, exercise)
	sleep := s.Fixture("polar", "polar_sleep.json", PolarHost)
	s.Handle("GET", "/v3/users/sleep", 200, sleep)
	var nights struct {
		Nights []json.RawMessage `json:"nights"`
	}
	_ = json.Unmarshal(sleep, &nights)
	if len(nights.Nights) > 0 {
		s.Handle("GET", "/v3/users/sleep/2026-01-14", 200, nights.Nights[0])
	}
	s.Handle("GET", "/v3/users/nightly-recharge", 200, s.Fixture("polar", "polar_nightly_recharge.json", PolarHost))
	s.Handle("GET", "/v3/users/activities", 200, s.Fixture("polar", "polar_daily_activity.json", PolarHost))
	s.Handle("GET", "/v3/users/continuous-heart-rate", 200, s.Fixture("polar", "polar_continuous_hr.json", PolarHost))
	return s
}

// SuuntoUser is the username in the fake Suunto's tokens (the fixtures' user).
const SuuntoUser = "johndoe123"

// SuuntoSubscriptionKey is the subscription key the fake Suunto requires.
const SuuntoSubscriptionKey = "suunto-subscription-key"

// Suunto plays Suunto's Cloud API: Basic client authentication, JWT access
// tokens naming the user, refresh tokens, the subscription key on every
// call, and the workout and 24/7 routes.
func Suunto(t testing.TB) *Server {
	s := New(t, "SUUNTO")
	s.BasicAuth, s.Refresh, s.ExpiresIn = true, true, 3600
	s.APIHeader = map[string]string{"Ocp-Apim-Subscription-Key": SuuntoSubscriptionKey}
	s.NewAccessToken = func(n int) string {
		claims, _ := json.Marshal(map[string]any{"sub": "suunto-sub-1", "user": SuuntoUser, "n": n})
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc([]byte("signature"))
	}
	workout := s.Fixture("suunto", "suunto_workout.json", "")
	var one struct {
		Payload json.RawMessage `json:"payload"`
	}
	_ = json.Unmarshal(workout, &one)
	s.Handle("GET", "/v3/workouts/", 200, []byte(`{"error": null, "payload": [`+string(one.Payload)+`], "metadata": {}}`))
	s.Handle("GET", "/v3/workouts/67604889401b942184624cb8", 200, workout)
	for _, kind := range []string{"sleep", "activity", "recovery"} {
		var hook struct {
			Samples json.RawMessage `json:"samples"`
		}
		_ = json.Unmarshal(s.Fixture("suunto", "suunto_webhook_247_"+kind+".json", ""), &hook)
		s.Handle("GET", "/247samples/"+kind, 200, hook.Samples)
	}
	return s
}
