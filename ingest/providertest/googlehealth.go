package providertest

import "testing"

// GoogleHealthUserID is the healthUserId of the fake Google Health API's
// user (the fixtures').
const GoogleHealthUserID = "1234567890123456789"

// GoogleHealth plays the Google Health API: credentials in the form body,
// no PKCE, refresh tokens, the identity route and the data point lists of
// the fixtures. Its variables are GOOGLE_HEALTH_*.
func GoogleHealth(t testing.TB) *Server {
	s := New(t, "GOOGLE_HEALTH")
	s.Refresh, s.ExpiresIn = true, 3599
	s.Handle("GET", "/v4/users/me/identity", 200, []byte(`{"name": "users/me/identity", "healthUserId": "`+GoogleHealthUserID+`"}`))
	for typ, fixture := range map[string]string{
		"exercise": "google_health_exercise.json", "sleep": "google_health_sleep.json", "steps": "google_health_steps.json",
		"heart-rate": "google_health_heart_rate.json", "daily-resting-heart-rate": "google_health_resting_heart_rate.json",
		"distance": "google_health_distance.json", "floors": "google_health_floors.json", "weight": "google_health_weight.json",
	} {
		s.Handle("GET", "/v4/users/me/dataTypes/"+typ+"/dataPoints", 200, s.Fixture("googlehealth", fixture, ""))
	}
	return s
}
