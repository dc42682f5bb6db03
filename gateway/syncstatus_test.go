package gateway

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// sseClient reads one sync stream.
type sseClient struct {
	lines chan string
	close func()
}

func (h *harness) stream(key, userID, query string) *sseClient {
	h.t.Helper()
	req, err := http.NewRequest("GET", h.url+"/api/v1/users/"+userID+"/sync/stream"+query, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		h.t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sseClient{lines: make(chan string, 1024), close: func() { res.Body.Close() }}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	h.t.Cleanup(s.close)
	return s
}

// next returns the next sync.status event, skipping comments.
func (s *sseClient) next(t *testing.T) syncEvent {
	t.Helper()
	event := ""
	for line := range s.lines {
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "sync.status":
			var ev syncEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				t.Fatalf("event data %q: %v", line, err)
			}
			return ev
		}
	}
	t.Fatal("the stream ended")
	return syncEvent{}
}

// waitComment waits for the comment line text.
func (s *sseClient) waitComment(t *testing.T, text string) {
	t.Helper()
	for line := range s.lines {
		if line == ": "+text {
			return
		}
	}
	t.Fatalf("the stream ended before %q", text)
}

// TestSyncStatusStreamRecentAndRuns: an SDK upload is a run (source sdk)
// with its sync.completed lifecycle event; it reaches the user's open
// stream, the replay of a new one, /sync/recent and the tenant's
// /sync/runs with its filters, and no other tenant's; an idle stream
// sends heartbeats.
func TestSyncStatusStreamRecentAndRuns(t *testing.T) {
	h := start(t, nil, WithHeartbeat(20*time.Millisecond))
	key := h.tenantKey("acme")
	other := h.tenantKey("globex")
	user := h.createUser(key, `{}`)
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	live := h.stream(key, user, "?replay=0")
	live.waitComment(t, "connected")

	r := h.do("POST", "/api/v1/sdk/users/"+user+"/sync", keyHeader(key), body)
	run, _ := r.body["run_id"].(string)
	if r.status != http.StatusAccepted || !strings.HasPrefix(run, "run_") {
		t.Fatalf("sync: %d %s", r.status, r.rawBody)
	}
	ev := live.next(t)
	if ev.RunID != run || ev.Source != "sdk" || ev.Provider != "apple" || ev.Status != "success" || ev.Stage != "completed" || ev.UserID != user {
		t.Fatalf("streamed event = %+v", ev)
	}
	live.waitComment(t, "heartbeat")
	h.waitLifecycle(func(evs []schemas.Lifecycle) bool {
		e, ok := findLifecycle(evs, schemas.EventSyncCompleted)
		return ok && e.RunID == run && e.SyncSource == "sdk" && e.UserID == user
	})

	if again := h.stream(key, user, "?replay=5").next(t); again.EventID != ev.EventID {
		t.Fatalf("replayed %+v, want %+v", again, ev)
	}
	recent := h.do("GET", "/api/v1/users/"+user+"/sync/recent?limit=5", keyHeader(key), nil)
	if recent.status != http.StatusOK || !strings.Contains(string(recent.rawBody), `"run_id":"`+run+`"`) {
		t.Fatalf("recent: %d %s", recent.status, recent.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/users/"+user+"/sync/recent?limit=0", keyHeader(key), nil), http.StatusBadRequest, "invalid_limit")
	wantError(t, h.do("GET", "/api/v1/users/"+user+"/sync/stream?replay=201", keyHeader(key), nil), http.StatusBadRequest, "invalid_replay")
	wantError(t, h.do("GET", "/api/v1/users/"+user+"/sync/stream", keyHeader(other), nil), http.StatusNotFound, "not_found")

	runs := func(k, query string) []syncRunView {
		t.Helper()
		r := h.do("GET", "/api/v1/sync/runs"+query, keyHeader(k), nil)
		var out []syncRunView
		if r.status != http.StatusOK || json.Unmarshal(r.rawBody, &out) != nil {
			t.Fatalf("sync/runs%s: %d %s", query, r.status, r.rawBody)
		}
		return out
	}
	if got := runs(key, "?source=sdk&provider=apple&status=success&user_id="+user); len(got) != 1 || got[0].RunID != run {
		t.Fatalf("runs = %+v", got)
	}
	for _, q := range []string{"?source=xml_import", "?provider=polar", "?status=failed", "?user_id=someone"} {
		if got := runs(key, q); len(got) != 0 {
			t.Fatalf("runs%s = %+v, want none", q, got)
		}
	}
	if got := runs(other, ""); len(got) != 0 {
		t.Fatalf("another tenant sees %+v", got)
	}
	wantError(t, h.do("GET", "/api/v1/sync/runs?status=bogus", keyHeader(key), nil), http.StatusBadRequest, "invalid_status")
	wantError(t, h.do("GET", "/api/v1/sync/runs?limit=10001", keyHeader(key), nil), http.StatusBadRequest, "invalid_limit")
}
