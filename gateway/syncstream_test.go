package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// TestSyncStream opens a user's sync stream: it sends the user's current
// run, then each change written to wearables.state.sync_runs (as another
// gateway's import would write it), and never another user's runs.
func TestSyncStream(t *testing.T) {
	h := start(t, nil)
	admin := h.tenantKey("acme")
	jane, joe := h.createUser(admin, `{}`), h.createUser(admin, `{}`)
	runs := h.stack.Env.Tables.SyncRuns
	now := time.Now().UTC().Truncate(time.Millisecond)
	put := func(id, user, status string, items int64) {
		t.Helper()
		r := schemas.SyncRun{ID: id, Tenant: "acme", UserID: user, Provider: "fit", Source: "fit_import", Status: status,
			ItemsProcessed: items, StartedAt: now, UpdatedAt: time.Now().UTC()}
		if err := runs.Put(context.Background(), id, r); err != nil {
			t.Fatal(err)
		}
	}
	put("run_a", jane, "in_progress", 1)

	req, _ := http.NewRequest("GET", h.url+"/api/v1/users/"+jane+"/sync/stream", nil)
	req.Header.Set("X-API-Key", h.roleKey("acme", "read"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(res.Body)
	next := func() map[string]any {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var v map[string]any
				if err := json.Unmarshal([]byte(data), &v); err != nil {
					t.Fatalf("event data %q: %v", data, err)
				}
				return v
			}
		}
		t.Fatalf("the stream ended: %v", lines.Err())
		return nil
	}
	if e := next(); e["run_id"] != "run_a" || e["status"] != "in_progress" {
		t.Fatalf("first event = %v, want run_a in progress", e)
	}
	put("run_b", joe, "in_progress", 1) // another user's: not sent
	put("run_a", jane, "success", 7)
	if e := next(); e["run_id"] != "run_a" || e["status"] != "success" || e["items_processed"] != float64(7) {
		t.Fatalf("second event = %v, want run_a's success with 7 items", e)
	}
	wantError(t, h.do("GET", "/api/v1/users/nobody/sync/stream", keyHeader(admin), nil), http.StatusNotFound, "not_found")
}
