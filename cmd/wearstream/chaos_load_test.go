package main

// The load of the chaos test and what it must leave behind. Every upload is
// retried, unchanged, until the gateway acknowledges it (a component may be
// dead at any moment), and only acknowledged uploads count. What an
// acknowledged upload must yield is computed with processors.Normalize, the
// code the processor runs, never written down by hand.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// upload is one request of the load: an SDK sync body or a FIT file.
type upload struct {
	user        string
	path        string // API path after /api/v1
	provider    string // the raw event's provider
	kind        schemas.RawKind
	contentType string
	body        []byte
}

// sdkUpload is the i-th SDK upload: one workout and n heart-rate samples,
// a second apart, in a time window of its own so that no two uploads share
// a sample or a workout.
func sdkUpload(user string, i, n int) upload {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 6 * time.Hour)
	source := map[string]any{
		"name": "Chaos Watch", "bundleIdentifier": "com.apple.health.chaos", "deviceManufacturer": "Apple Inc.",
		"deviceModel": "Watch", "productType": "Watch7,5", "deviceType": "watch",
	}
	records := make([]map[string]any, n)
	for k := range records {
		at := start.Add(time.Duration(k) * time.Second).Format(time.RFC3339)
		records[k] = map[string]any{
			"id": fmt.Sprintf("hr-%d-%d", i, k), "type": "HKQuantityTypeIdentifierHeartRate",
			"startDate": at, "endDate": at, "zoneOffset": "+01:00", "source": source,
			"value": 50 + k%100, "unit": "count/min",
		}
	}
	workout := map[string]any{
		"id": fmt.Sprintf("chaos-workout-%d", i), "type": "running", "source": source,
		"startDate": start.Format(time.RFC3339), "endDate": start.Add(time.Duration(n) * time.Second).Format(time.RFC3339),
		"values": []map[string]any{{"type": "duration", "unit": "s", "value": n}, {"type": "activeEnergyBurned", "unit": "kcal", "value": 100 + i}},
	}
	body, _ := json.Marshal(map[string]any{
		"provider": "apple", "sdkVersion": "1.0.0", "syncTimestamp": start.Format(time.RFC3339),
		"data": map[string]any{"records": records, "workouts": []any{workout}},
	})
	return upload{user: user, path: "/sdk/users/" + user + "/sync", provider: "apple", kind: schemas.KindSDK, contentType: "application/json", body: body}
}

// fitUpload imports the FIT file at path for user (a user of its own: the
// same file twice for one user is the same data).
func fitUpload(t *testing.T, user, path string) upload {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return upload{user: user, path: "/users/" + user + "/import/fit", provider: fit.Provider, kind: schemas.KindImport, contentType: fit.ContentType, body: body}
}

// sampleKey identifies a sample the way the samples table's sort key does.
type sampleKey struct {
	user, series, source string
	ms                   int64
}

// expected is what the acknowledged uploads must leave in ClickHouse and
// at the webhook receiver.
type expected struct {
	samples  map[sampleKey]bool
	workouts map[string]string // workout id -> user
}

// add normalises an acknowledged upload as the processor does.
func (e *expected) add(t *testing.T, tenant string, u upload) {
	t.Helper()
	recs, err := processors.Normalize(schemas.RawEvent{
		ID: "chaos", Tenant: tenant, Provider: u.provider, Kind: string(u.kind), UserID: u.user,
		ContentType: u.contentType, ReceivedAt: time.Now().UTC(), Body: u.body,
	})
	if err != nil {
		t.Fatalf("cannot normalise an acknowledged upload: %v", err)
	}
	for _, b := range recs.Samples {
		for _, s := range b.Samples {
			e.samples[sampleKey{b.UserID, b.SeriesType, b.Source.ID, s.Time.UnixMilli()}] = true
		}
	}
	for _, w := range recs.Workouts {
		e.workouts[w.ID] = w.UserID
	}
}

// perUserSeries counts the expected samples by user and series type.
func (e *expected) perUserSeries() map[[2]string]uint64 {
	n := map[[2]string]uint64{}
	for k := range e.samples {
		n[[2]string{k.user, k.series}]++
	}
	return n
}

// sender posts uploads, retrying each until the gateway acknowledges it.
type sender struct {
	api, key string
	client   *http.Client

	mu      sync.Mutex
	acked   []upload
	retries int
}

// send posts u until a 2xx, giving up at ctx's end; a 4xx is a failure of
// the test, since the load is valid.
func (s *sender) send(ctx context.Context, u upload) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+"/api/v1"+u.path, bytes.NewReader(u.body))
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", s.key)
		req.Header.Set("Content-Type", u.contentType)
		resp, err := s.client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode/100 == 2:
				s.mu.Lock()
				s.acked = append(s.acked, u)
				s.mu.Unlock()
				return nil
			case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests:
				return fmt.Errorf("POST %s: %d %s", u.path, resp.StatusCode, body)
			}
		}
		s.mu.Lock()
		s.retries++
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("POST %s never acknowledged: %w", u.path, ctx.Err())
		case <-time.After(time.Duration(200+rand.IntN(300)) * time.Millisecond):
		}
	}
}

// hookLog is the webhook receiver of the chaos test: it verifies every
// delivery and records, per workout, the webhook-ids it came with.
type hookLog struct {
	secret string

	mu         sync.Mutex
	ids        map[string]map[string]int // workout id -> webhook-id -> deliveries
	deliveries int
	bad        int
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.secret == "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get("webhook-id")
	if err := webhooks.Verify([]string{h.secret}, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now(), 5*time.Minute); err != nil {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var msg struct {
		Type string `json:"type"`
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Type != schemas.EventWorkoutCreated {
		h.bad++
	}
	if h.ids[msg.Data.ID] == nil {
		h.ids[msg.Data.ID] = map[string]int{}
	}
	h.ids[msg.Data.ID][id]++
	h.deliveries++
	w.WriteHeader(http.StatusNoContent)
}

// received reports how many expected workouts were delivered at least once.
func (h *hookLog) received(want map[string]string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for id := range want {
		if len(h.ids[id]) > 0 {
			n++
		}
	}
	return n
}
