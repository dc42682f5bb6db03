package providertest

import (
	"strings"
	"testing"
)

// HandlePrefix answers method on every path that starts with prefix (and
// has no route of its own) with status and body; the longest prefix wins.
func (s *Server) HandlePrefix(method, prefix string, status int, body []byte) {
	s.Handle(method, prefix+"*", status, body)
}

// prefixRoute finds the route of the longest prefix of path; the caller
// holds s.mu.
func (s *Server) prefixRoute(method, path string) (route, bool) {
	var best string
	var found route
	ok := false
	for k, rt := range s.routes {
		m, p, _ := strings.Cut(k, " ")
		if m != method || !strings.HasSuffix(p, "*") {
			continue
		}
		if p = strings.TrimSuffix(p, "*"); strings.HasPrefix(path, p) && len(p) > len(best) {
			best, found, ok = p, rt, true
		}
	}
	return found, ok
}

// FitbitUserID is the encoded Fitbit user id of the fake Fitbit's tokens
// (the fixtures' ownerId).
const FitbitUserID = "228S74"

// Fitbit plays the Fitbit Web API: PKCE, Basic client authentication,
// single-use refresh tokens (a used one is refused), user_id in the token
// response, per-user subscriptions, the profile, and the activity, sleep,
// heart rate, HRV, SpO2 and weight routes of any date.
func Fitbit(t testing.TB) *Server {
	s := New(t, "FITBIT")
	s.PKCE, s.BasicAuth, s.Refresh, s.ExpiresIn = true, true, true, 28800
	s.TokenExtra = map[string]any{"user_id": FitbitUserID, "scope": "activity heartrate sleep profile weight oxygen_saturation"}
	s.HandlePrefix("POST", "/1/user/-/apiSubscriptions/", 201, []byte(`{"collectionType":"user","ownerId":"228S74","ownerType":"user","subscriberId":"1","subscriptionId":"x"}`))
	s.HandlePrefix("DELETE", "/1/user/-/apiSubscriptions/", 204, nil)
	s.Handle("GET", "/1/user/-/profile.json", 200, []byte(`{"user": {"encodedId": "228S74", "offsetFromUTCMillis": 3600000, "timezone": "Europe/Warsaw"}}`))
	s.Handle("GET", "/1/user/-/activities/list.json", 200, s.Fixture("fitbit", "fitbit_activity_log.json", ""))
	s.HandlePrefix("GET", "/1.2/user/-/sleep/date/", 200, s.Fixture("fitbit", "fitbit_sleep.json", ""))
	s.HandlePrefix("GET", "/1/user/-/activities/heart/date/", 200, s.Fixture("fitbit", "fitbit_heart.json", ""))
	s.HandlePrefix("GET", "/1/user/-/hrv/date/", 200, s.Fixture("fitbit", "fitbit_hrv.json", ""))
	s.HandlePrefix("GET", "/1/user/-/spo2/date/", 200, s.Fixture("fitbit", "fitbit_spo2.json", ""))
	s.HandlePrefix("GET", "/1/user/-/body/log/weight/date/", 200, s.Fixture("fitbit", "fitbit_weight.json", ""))
	return s
}
