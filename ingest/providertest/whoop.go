package providertest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// WhoopUserID is the user_id of the fake WHOOP's user (the fixtures' user).
const WhoopUserID = 10129

// Whoop plays WHOOP's API v2: credentials in the form body, refresh tokens
// that are spent on use (a refresh returns a new one), the profile and
// revocation routes, the collections of the fixtures in two pages, single
// documents, a recovery reached through its sleep's cycle, and the v1 id
// mapping.
func Whoop(t testing.TB) *Server {
	s := New(t, "WHOOP")
	s.Refresh, s.ExpiresIn = true, 3600
	s.Handle("GET", "/v2/user/profile/basic", 200, []byte(`{"user_id": 10129, "email": "band@example.com", "first_name": "J", "last_name": "D"}`))
	s.Handle("DELETE", "/v2/user/access", 204, nil)
	workout := s.Fixture("whoop", "whoop_workout.json", "")
	sleep := s.Fixture("whoop", "whoop_sleep.json", "")
	recovery := s.Fixture("whoop", "whoop_recovery.json", "")
	var cycles struct {
		Records []json.RawMessage `json:"records"`
	}
	_ = json.Unmarshal(s.Fixture("whoop", "whoop_cycle.json", ""), &cycles)
	for path, doc := range map[string][]byte{
		"/v2/activity/workout": workout, "/v2/activity/sleep": sleep, "/v2/recovery": recovery, "/v2/cycle": cycles.Records[0],
	} {
		s.HandleFunc("GET", path, paged(doc))
	}
	var ids struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(workout, &ids)
	s.Handle("GET", "/v2/activity/workout/"+ids.ID, 200, workout)
	_ = json.Unmarshal(sleep, &ids)
	s.Handle("GET", "/v2/activity/sleep/"+ids.ID, 200, sleep)
	// The sleep the recovery fixture names, in cycle 93845.
	var rec struct {
		SleepID string `json:"sleep_id"`
	}
	_ = json.Unmarshal(recovery, &rec)
	s.Handle("GET", "/v2/activity/sleep/"+rec.SleepID, 200, []byte(strings.Replace(string(sleep), `"ecfc6a15-4661-442f-a9a4-f160dd7afae8"`, `"`+rec.SleepID+`"`, 1)))
	s.Handle("GET", "/v2/cycle/93845/recovery", 200, recovery)
	s.Handle("GET", "/v1/activity-mapping/10235", 200, []byte(`{"v2_activity_id": "ecfc6a15-4661-442f-a9a4-f160dd7afae8"}`))
	return s
}

// paged answers a collection in two pages: doc, then nothing.
func paged(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("nextToken") == "" {
			_, _ = w.Write([]byte(`{"records": [` + string(doc) + `], "next_token": "page-2"}`))
			return
		}
		_, _ = w.Write([]byte(`{"records": [], "next_token": null}`))
	}
}
