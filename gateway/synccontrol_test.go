package gateway

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/providertest"
)

// TestHistoricalSync: a pull provider's history is fetched over the asked
// days; Garmin's is requested with its backfill API over 30 days whatever
// was asked; bad days and unknown users or providers are refused.
func TestHistoricalSync(t *testing.T) {
	polar := providertest.Polar(t)
	garmin := providertest.Garmin(t)
	h := startWithProviders(t, polar, garmin)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "polar", user, polar)
	h.connect(key, "garmin", user, garmin)
	h.runDone(key, user, "backfill", 1) // polar's; garmin's waits for pushes
	h.backfillWhen(key, user, func(b backfillView) bool { return b.Summary["triggered"] == 14 })
	garminBefore := len(garmin.Requests("/wellness-api/rest/backfill/dailies"))

	history := func(provider, query string) response {
		return h.do("POST", "/api/v1/providers/"+provider+"/users/"+user+"/sync/historical"+query, keyHeader(key), nil)
	}
	wantError(t, history("polar", "?days=0"), http.StatusBadRequest, "invalid_days")
	wantError(t, history("polar", "?days=366"), http.StatusBadRequest, "invalid_days")
	wantError(t, history("nope", ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/api/v1/providers/polar/users/nobody/sync/historical", keyHeader(key), nil), http.StatusNotFound, "not_found")

	r := history("polar", "?days=10")
	if r.status != http.StatusAccepted || r.body["method"] != "pull_api" || r.body["days"] != float64(10) || r.body["run_id"] == "" {
		t.Fatalf("polar: %d %s", r.status, r.rawBody)
	}
	start, _ := time.Parse(time.RFC3339, r.body["start_date"].(string))
	end, _ := time.Parse(time.RFC3339, r.body["end_date"].(string))
	if got := end.Sub(start); got != 10*24*time.Hour {
		t.Fatalf("polar window = %s", got)
	}
	polarRun := r.body["run_id"]
	eventually(t, "the polar history run", func() bool { return h.runOf(key, user, polarRun.(string))["status"] == "success" })
	r = history("garmin", "")
	if r.status != http.StatusAccepted || r.body["method"] != "webhook_backfill" || r.body["days"] != float64(30) {
		t.Fatalf("garmin: %d %s", r.status, r.rawBody)
	}
	h.backfillWhen(key, user, func(b backfillView) bool { return b.RunID == r.body["run_id"] && b.Summary["triggered"] == 14 })
	reqs := garmin.Requests("/wellness-api/rest/backfill/dailies")
	if len(reqs) != garminBefore+1 {
		t.Fatalf("garmin dailies backfill requests = %d, want %d", len(reqs), garminBefore+1)
	}
	q := reqs[len(reqs)-1].Query
	from, _ := strconv.ParseInt(q.Get("summaryStartTimeInSeconds"), 10, 64)
	to, _ := strconv.ParseInt(q.Get("summaryEndTimeInSeconds"), 10, 64)
	if to-from != 30*24*3600 {
		t.Fatalf("garmin window = %d s, want 30 days", to-from)
	}
}
