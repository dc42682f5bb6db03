package providertest

import "testing"

// StravaAthleteID is the athlete the fake Strava's tokens belong to (the
// fixtures' owner_id).
const StravaAthleteID = 134815

// Strava plays Strava's API v3: client credentials in the form body, no
// PKCE, the athlete in the token response, rotating refresh tokens, an
// activity with its streams, the athlete's activity list and
// deauthorisation. The API URL is the server's root (Strava's is /api/v3).
func Strava(t testing.TB) *Server {
	s := New(t, "STRAVA")
	s.Refresh, s.ExpiresIn = true, 21600
	s.TokenExtra = map[string]any{
		"athlete": map[string]any{"id": StravaAthleteID, "username": "jane_doe"},
		"scope":   "read,activity:read_all,profile:read_all",
	}
	s.Handle("GET", "/activities/15551234567", 200, s.Fixture("strava", "strava_activity.json", ""))
	s.Handle("GET", "/activities/15551234567/streams", 200, s.Fixture("strava", "strava_streams.json", ""))
	s.Handle("GET", "/athlete/activities", 200, s.Fixture("strava", "strava_activity_list.json", ""))
	s.Handle("POST", "/oauth/deauthorize", 200, []byte(`{"access_token": "revoked"}`))
	acceptStravaSubscriptions(s)
	return s
}

// SetTokenExtra sets one further field of the token responses from now on
// (another athlete for the next connection, say).
func (s *Server) SetTokenExtra(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	extra := make(map[string]any, len(s.TokenExtra)+1)
	for k, v := range s.TokenExtra {
		extra[k] = v
	}
	extra[key] = value
	s.TokenExtra = extra
}
