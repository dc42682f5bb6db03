package fitbit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

// Fitbit's rate-limit headers reach the user's limiter through the session:
// with requests left nothing waits; with none left the user's requests wait
// for Fitbit-Rate-Limit-Reset, before any 429.
func TestFetchHonoursRateLimitHeaders(t *testing.T) {
	var remaining atomic.Int32
	remaining.Store(1)
	const reset = 1800
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		left := remaining.Add(-1)
		w.Header().Set("Fitbit-Rate-Limit-Limit", "150")
		w.Header().Set("Fitbit-Rate-Limit-Remaining", strconv.Itoa(int(left)))
		w.Header().Set("Fitbit-Rate-Limit-Reset", strconv.Itoa(reset))
		w.Write([]byte(`{"weight":[]}`))
	}))
	defer srv.Close()
	s := &ingest.Session{Provider: provider, Settings: ingest.Settings{APIURL: srv.URL}, AccessToken: "token-1", UserID: "user-ratelimit"}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	task := ingest.Task{Kind: ingest.TaskBackfill, DataType: dataWeight, Start: day, End: day.AddDate(0, 0, 1)}
	ctx := context.Background()

	remaining.Store(6)
	if _, err := Fetch(ctx, s, task); err != nil {
		t.Fatal(err)
	}
	if next := userLimiter(s.UserID).Next(); next.After(time.Now()) {
		t.Fatalf("with 5 left the user's requests wait until %v", next)
	}

	remaining.Store(1)
	before := time.Now()
	if _, err := Fetch(ctx, s, task); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	next := userLimiter(s.UserID).Next()
	if next.Before(before.Add(reset*time.Second)) || next.After(after.Add(reset*time.Second)) {
		t.Fatalf("with none left the user's requests wait until %v, want %v from now", next, reset*time.Second)
	}
	if other := userLimiter("someone-else").Next(); other.After(time.Now()) {
		t.Fatalf("another user's requests wait until %v", other)
	}
}

func TestBudget(t *testing.T) {
	f := func(remaining, reset string, wantLeft int, wantReset time.Duration, wantOK bool) {
		t.Helper()
		h := http.Header{}
		if remaining != "" {
			h.Set("Fitbit-Rate-Limit-Remaining", remaining)
		}
		if reset != "" {
			h.Set("Fitbit-Rate-Limit-Reset", reset)
		}
		left, in, ok := budget(h)
		if left != wantLeft || in != wantReset || ok != wantOK {
			t.Errorf("budget(%q, %q) = %d, %v, %v", remaining, reset, left, in, ok)
		}
	}
	f("0", "1200", 0, 20*time.Minute, true)
	f(" 42 ", "60", 42, time.Minute, true)
	f("", "60", 0, 0, false)
	f("3", "", 0, 0, false)
	f("3", "86400", 0, 0, false)
	f("3", "-1", 0, 0, false)
}

// fakeFitbit answers the activities collection's routes on loopback,
// intraday heart rate with intradayStatus, and counts the intraday and
// profile requests.
func fakeFitbit(t *testing.T, intradayStatus int) (srv *httptest.Server, intraday, profile *atomic.Int32) {
	t.Helper()
	intradayBody := ingesttest.ReadFixture(t, "fitbit_heart_intraday.json")
	heartBody := ingesttest.ReadFixture(t, "fitbit_heart.json")
	intraday, profile = new(atomic.Int32), new(atomic.Int32)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p := r.URL.Path
		switch {
		case p == "/1/user/-/activities/list.json":
			w.Write([]byte(`{"activities": [], "pagination": {"next": ""}}`))
		case p == "/1/user/-/profile.json":
			profile.Add(1)
			w.Write([]byte(`{"user": {"encodedId": "228S74", "offsetFromUTCMillis": 3600000}}`))
		case strings.HasPrefix(p, "/1/user/-/activities/heart/date/") && strings.HasSuffix(p, "/1d/1min.json"):
			intraday.Add(1)
			if intradayStatus != http.StatusOK {
				w.WriteHeader(intradayStatus)
				w.Write([]byte(`{"errors": [{"errorType": "insufficient_permissions", "message": "Intraday data is not available for this application"}], "success": false}`))
				return
			}
			w.Write(intradayBody)
		case strings.HasPrefix(p, "/1/user/-/activities/heart/date/"):
			w.Write(heartBody)
		case strings.HasPrefix(p, "/1/user/-/hrv/date/"):
			w.Write([]byte(`{"hrv": []}`))
		case strings.HasPrefix(p, "/1/user/-/spo2/date/"):
			w.Write([]byte(`[]`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, intraday, profile
}

// The intraday heart rate is fetched only with FITBIT_INTRADAY on, one
// request a day with the profile's offset added; Fitbit's 403 there fails
// neither a notification's fetch nor a poll step, and ends the step's
// intraday requests.
func TestFetchIntradayHeartRate(t *testing.T) {
	notification := ingest.Task{Kind: ingest.TaskFetch, DataType: collActivities, URL: "2024-01-15"}
	poll := ingest.Task{Kind: ingest.TaskPoll, DataType: dataHeart,
		Start: time.Date(2024, 1, 14, 10, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 16, 9, 0, 0, 0, time.UTC)}
	var last []ingest.Fetched
	f := func(setting string, task ingest.Task, status int, wantIntraday, wantProfile, wantBodies int) {
		t.Helper()
		srv, intraday, profile := fakeFitbit(t, status)
		s := &ingest.Session{Provider: provider, AccessToken: "token-1", UserID: "user-intraday",
			Settings: ingest.Settings{APIURL: srv.URL, Extra: map[string]string{envIntraday: setting}}}
		fetched, err := Fetch(context.Background(), s, task)
		if err != nil {
			t.Fatalf("%q, %s, status %d: %v", setting, task.Kind, status, err)
		}
		if int(intraday.Load()) != wantIntraday || int(profile.Load()) != wantProfile || len(fetched) != wantBodies {
			t.Errorf("%q, %s, status %d: %d intraday and %d profile requests, %d bodies; want %d, %d, %d",
				setting, task.Kind, status, intraday.Load(), profile.Load(), len(fetched), wantIntraday, wantProfile, wantBodies)
		}
		last = fetched
	}
	f("", notification, http.StatusOK, 0, 0, 4)
	f("false", notification, http.StatusOK, 0, 0, 4)
	f("true", notification, http.StatusForbidden, 1, 0, 4)
	f("true", poll, http.StatusForbidden, 1, 0, 1)
	f("true", poll, http.StatusOK, 3, 1, 4)
	f("true", notification, http.StatusOK, 1, 1, 5)

	intradayBody := last[2].Body // after the activity log and the daily heart rate
	var m map[string]json.RawMessage
	if err := json.Unmarshal(intradayBody, &m); err != nil || string(m["offsetFromUTCMillis"]) != "3600000" || m["activities-heart-intraday"] == nil {
		t.Fatalf("intraday body %s (%v)", intradayBody, err)
	}
	recs, err := Normalize(testContext(), intradayBody)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range recs.Samples {
		if b.SeriesType == "heart_rate" {
			n += len(b.Samples)
			if at := b.Samples[0]; !at.Time.Equal(time.Date(2024, 1, 14, 23, 0, 0, 0, time.UTC)) || at.ZoneOffset != 60 {
				t.Errorf("first heart rate sample %+v", at)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d heart rate samples, want 5", n)
	}
}

// Subscribing and unsubscribing go through the user's limiter: Fitbit's
// rate-limit headers on their answers hold the user's later requests.
func TestSubscriptionsUseUserLimiter(t *testing.T) {
	const reset = 1200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Fitbit-Rate-Limit-Remaining", "0")
		w.Header().Set("Fitbit-Rate-Limit-Reset", strconv.Itoa(reset))
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	for i, call := range []func(context.Context, *ingest.Session) error{subscribe, unsubscribe} {
		s := &ingest.Session{Provider: provider, Settings: ingest.Settings{APIURL: srv.URL}, AccessToken: "token-1", UserID: "user-subscribe-" + strconv.Itoa(i)}
		if err := call(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		if next := userLimiter(s.UserID).Next(); next.Before(time.Now().Add(reset*time.Second - time.Minute)) {
			t.Errorf("after the call the user's requests wait until %v, want %v from now", next, reset*time.Second)
		}
		if s.Limiter != nil {
			t.Error("the caller's session was changed")
		}
	}
}
