package main

// The end-to-end test runs the real pipeline: kfake and srfake in-process, a
// real ClickHouse child process, the gateway on loopback HTTP, the processor,
// the ClickHouse sink and the delivery consumer, exactly as `wearstream dev`
// wires them. It posts the HealthKit fixture, asserts the rows in ClickHouse
// and a signature-verified webhook at a local receiver, then re-posts the same
// body and asserts that no row count changes and that the unchanged workouts
// and sleep session make no new records and no new webhooks.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}

// receiver is a webhook endpoint that verifies every delivery's signature.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    map[string][]map[string]any // event type -> payloads
	ids    map[string]int              // webhook-id -> deliveries
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.secret == "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	h := r.Header
	if err := webhooks.Verify([]string{rc.secret}, h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), body, time.Now(), 5*time.Minute); err != nil {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.Get("svix-id") != h.Get("webhook-id") || h.Get("svix-signature") != h.Get("webhook-signature") || h.Get("svix-timestamp") != h.Get("webhook-timestamp") {
		rc.bad++
	}
	var msg struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		rc.bad++
	}
	rc.got[msg.Type] = append(rc.got[msg.Type], msg.Data)
	rc.ids[h.Get("webhook-id")]++
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count(event string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got[event])
}

func TestEndToEnd(t *testing.T) {
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	st := testenv.Start(t, map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db})
	env := st.Env
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	migrated, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	migrated.Close()
	// The components' connection is tagged so that the queries they send
	// can be replayed on current ClickHouse at the end.
	conn, err := chsink.Connect(ctx, ch.Addr, db, chserver.Tagged(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	key, err := bootstrap(ctx, env)
	if err != nil || key == "" {
		t.Fatalf("bootstrap: %q, %v", key, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{
		func(ctx context.Context) error {
			return serveGateway(ctx, env, ln, conn, clickHouseCheck(conn))
		},
		func(ctx context.Context) error { return process(ctx, env) },
		func(ctx context.Context) error { return sink(ctx, env, conn) },
		func(ctx context.Context) error { return deliver(ctx, env) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("component stopped: %v", err)
			}
		}()
	}
	defer wg.Wait()
	defer cancel()

	call := func(method, path string, body []byte, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, bytes.NewReader(body))
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		checkOpenAPI(t, req, resp, raw)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	waitFor(t, "readiness", func() bool {
		resp, err := http.Get(api + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})

	rc := &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	user := call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com"}`), 201)["id"].(string)
	ep := call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook","description":"e2e","filter_types":["workout.created","sleep.created","heart_rate.created","series.heart_rate.created","spo2.created","steps.created"]}`), 201)["id"].(string)
	secret := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, 200)["key"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	call("POST", "/api/v1/sdk/users/"+user+"/sync", body, 202)

	// ClickHouse: the exact rows.
	const wantSamples = 24 // 21 from records and statistics, 3 from the workout's route point
	waitFor(t, "samples in clickhouse", func() bool { return count(t, conn, "samples FINAL") == wantSamples })
	waitFor(t, "workouts and sleep in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL") == 3 && count(t, conn, "sleep FINAL") == 1
	})
	wantValue := func(series string, at string, want float64) {
		t.Helper()
		var got float64
		q := "SELECT value FROM samples FINAL WHERE user_id = toUUID(?) AND series_type = ? AND ts = toDateTime(?, 'UTC')"
		if err := conn.QueryRow(ctx, q, user, series, at).Scan(&got); err != nil {
			t.Fatalf("%s at %s: %v", series, at, err)
		}
		if got < want-1e-9 || got > want+1e-9 {
			t.Fatalf("%s at %s = %v, want %v", series, at, got, want)
		}
	}
	wantValue("heart_rate", "2026-01-14 05:30:12", 58)
	wantValue("steps", "2022-05-28 23:56:11", 66)
	wantValue("oxygen_saturation", "2026-01-14 03:05:00", 97)     // HealthKit fraction 0.97 -> percent
	wantValue("body_fat_percentage", "2026-01-14 06:20:00", 21.4) // fraction -> percent
	wantValue("height", "2026-01-01 09:00:00", 175.26)            // m -> cm
	wantValue("heart_rate_variability_sdnn", "2026-01-14 02:11:40", 48.7)
	wantValue("respiratory_rate", "2026-01-14 03:05:00", 14.5)
	wantValue("weight", "2026-01-14 06:20:00", 71.4)
	wantValue("energy", "2026-01-14 06:00:00", 12.84)
	wantValue("distance_walking_running", "2026-01-14 06:00:00", 412.6)

	var zone int16
	var unit string
	if err := conn.QueryRow(ctx, "SELECT zone_offset, unit FROM samples FINAL WHERE series_type = 'heart_rate'").Scan(&zone, &unit); err != nil || zone != 60 || unit != "bpm" {
		t.Fatalf("heart_rate zone_offset, unit = %d, %q, %v; want 60, bpm", zone, unit, err)
	}
	type workoutRow struct {
		Type     string   `ch:"type"`
		Calories *float64 `ch:"calories_kcal"`
		Distance *float64 `ch:"distance_meters"`
		AvgHR    *float64 `ch:"avg_heart_rate_bpm"`
	}
	var workouts []workoutRow
	if err := conn.Select(ctx, &workouts, "SELECT type, calories_kcal, distance_meters, avg_heart_rate_bpm FROM workouts FINAL ORDER BY start_time"); err != nil {
		t.Fatal(err)
	}
	if len(workouts) != 3 || workouts[0].Type != "cycling" || workouts[1].Type != "walking" || workouts[2].Type != "running" ||
		*workouts[2].Calories < 463.89 || *workouts[2].Calories > 463.91 || *workouts[2].Distance != 7210.4 || *workouts[2].AvgHR != 149.3 {
		t.Fatalf("workouts = %+v", workouts)
	}
	var start, end time.Time
	var sleepZone int16
	var deep, rem float64
	if err := conn.QueryRow(ctx, "SELECT start_time, end_time, zone_offset, deep_minutes, rem_minutes FROM sleep FINAL").Scan(&start, &end, &sleepZone, &deep, &rem); err != nil {
		t.Fatal(err)
	}
	if start.UTC().Format(time.RFC3339) != "2026-01-13T21:35:00Z" || end.UTC().Format(time.RFC3339) != "2026-01-14T05:58:00Z" || sleepZone != 60 || deep != 89 || rem != 82.5 {
		t.Fatalf("sleep = %v %v %d deep %v rem %v", start, end, sleepZone, deep, rem)
	}

	// Webhooks: signature-verified, filtered, with Open Wearables' shapes.
	waitFor(t, "webhooks", func() bool {
		return rc.count("workout.created") == 3 && rc.count("sleep.created") == 1 && rc.count("heart_rate.created") >= 2 &&
			rc.count("series.heart_rate.created") == 1 && rc.count("spo2.created") == 1 && rc.count("steps.created") == 1
	})
	rc.mu.Lock()
	if rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", rc.bad)
	}
	if n := len(rc.got["body_composition.created"]); n != 0 {
		t.Fatalf("filter_types ignored: %d body_composition.created deliveries", n)
	}
	var run map[string]any
	for _, w := range rc.got["workout.created"] {
		if w["type"] == "running" {
			run = w
		}
	}
	if run == nil || run["user_id"] != user || run["distance_meters"] != 7210.4 || run["zone_offset"] != "+01:00" {
		t.Fatalf("running workout payload = %v", run)
	}
	spo2 := rc.got["spo2.created"][0]
	samples := spo2["samples"].([]any)
	if spo2["series_type"] != "oxygen_saturation" || len(samples) != 1 || samples[0].(map[string]any)["value"] != 97.0 {
		t.Fatalf("spo2 payload = %v", spo2)
	}
	rc.mu.Unlock()

	// The delivery log in ClickHouse, paged; a resend keeps the webhook-id.
	var page map[string]any
	waitFor(t, "the delivery log", func() bool {
		page = call("GET", "/api/v1/webhooks/endpoints/"+ep+"/attempts?limit=2", nil, 200)
		return len(page["data"].([]any)) == 2 && page["iterator"] != nil
	})
	if next := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/attempts?limit=2&iterator="+page["iterator"].(string), nil, 200); len(next["data"].([]any)) == 0 {
		t.Fatalf("second page of attempts is empty: %v", next)
	}
	var sleepMsg map[string]any
	waitFor(t, "the sleep message in the log", func() bool {
		data := call("GET", "/api/v1/webhooks/messages?event_types=sleep.created", nil, 200)["data"].([]any)
		if len(data) == 1 {
			sleepMsg = data[0].(map[string]any)
		}
		return sleepMsg != nil
	})
	// The filters: every attempt so far succeeded, and none is in the future.
	tomorrow := url.QueryEscape(time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339))
	lastHour := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	for query, wantSome := range map[string]bool{
		"status=success":     true,
		"status=failed":      false,
		"after=" + lastHour:  true,
		"after=" + tomorrow:  false,
		"before=" + tomorrow: true,
		"status=0&event_types=sleep.created&after=" + lastHour + "&before=" + tomorrow: true,
	} {
		attempts := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/attempts?"+query, nil, 200)["data"].([]any)
		messages := call("GET", "/api/v1/webhooks/messages?"+query, nil, 200)["data"].([]any)
		if (len(attempts) > 0) != wantSome || (len(messages) > 0) != wantSome {
			t.Fatalf("?%s: %d attempts, %d messages; want some: %v", query, len(attempts), len(messages), wantSome)
		}
	}
	call("GET", "/api/v1/webhooks/messages?status=pending", nil, 400)
	call("GET", "/api/v1/webhooks/messages?after=yesterday", nil, 400)
	sleepID := sleepMsg["id"].(string)
	rc.mu.Lock()
	before := rc.ids[sleepID]
	rc.mu.Unlock()
	call("POST", "/api/v1/webhooks/messages/"+sleepID+"/resend", nil, 202)
	waitFor(t, "the resent message", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.ids[sleepID] == before+1
	})

	// The same upload again: the samples are emitted again (the table gets
	// the rows again, and FINAL shows the same rows), but the workouts and
	// the sleep session did not change, so the processor makes no workout
	// or sleep record and no second workout.created or sleep.created goes
	// out. The samples and the records they would have come with are
	// committed in one transaction: once the samples are in ClickHouse, the
	// canonical topics hold everything the re-post made.
	rawBefore := count(t, conn, "samples")
	recordsBefore := endOffsets(t, env.Producer, env.Topics.Workouts(), env.Topics.Sleep())
	sleepsBefore := rc.count("sleep.created") // the resend above counts too
	call("POST", "/api/v1/sdk/users/"+user+"/sync", body, 202)
	waitFor(t, "second upload in clickhouse", func() bool {
		return count(t, conn, "samples") >= rawBefore+wantSamples
	})
	if after := endOffsets(t, env.Producer, env.Topics.Workouts(), env.Topics.Sleep()); !reflect.DeepEqual(after, recordsBefore) {
		t.Fatalf("the unchanged re-post produced workout or sleep records: end offsets %v, before %v", after, recordsBefore)
	}
	if n := count(t, conn, "samples FINAL"); n != wantSamples {
		t.Fatalf("samples FINAL after re-post = %d, want %d", n, wantSamples)
	}
	if n := count(t, conn, "samples_current"); n != wantSamples {
		t.Fatalf("samples_current after re-post = %d, want %d", n, wantSamples)
	}
	if w, s := count(t, conn, "workouts FINAL"), count(t, conn, "sleep FINAL"); w != 3 || s != 1 {
		t.Fatalf("after re-post: %d workouts, %d sleep sessions under FINAL", w, s)
	}
	if w, s := count(t, conn, "workouts_current"), count(t, conn, "sleep_current"); w != 3 || s != 1 {
		t.Fatalf("after re-post: %d workouts, %d sleep sessions in the current views", w, s)
	}
	if w, s := rc.count("workout.created"), rc.count("sleep.created"); w != 3 || s != sleepsBefore {
		t.Fatalf("after re-post: %d workout.created and %d sleep.created deliveries, want 3 and %d", w, s, sleepsBefore)
	}

	// Recover re-reads the stream for the last hour and delivers again
	// what the endpoint received, under the same webhook-ids.
	rc.mu.Lock()
	delivered := map[string]int{}
	for id, n := range rc.ids {
		delivered[id] = n
	}
	rc.mu.Unlock()
	queued := call("POST", "/api/v1/webhooks/endpoints/"+ep+"/recover", []byte(`{"since":"`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`"}`), 202)["queued"].(float64)
	if int(queued) != len(delivered) {
		t.Fatalf("recover queued %v messages, the endpoint had received %d", queued, len(delivered))
	}
	waitFor(t, "the recovered messages", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for id, n := range delivered {
			if rc.ids[id] < n+1 {
				return false
			}
		}
		return len(rc.ids) == len(delivered) // no new ids: the same webhook-ids again
	})

	// Every statement the components sent, as 18.16 received it, on the
	// current engine, with the rows the tables hold once they stopped.
	cancel()
	wg.Wait()
	schema, err := chsink.Schema()
	if err != nil {
		t.Fatal(err)
	}
	script := ch.ReplayOnCurrent(t, db, schema, nil)
	for name, part := range map[string]string{
		"readiness":      "EXISTS TABLE sleep",
		"attempts":       " FROM deliveries FINAL WHERE tenant_id = 'default' AND endpoint_id = '" + ep + "' AND (attempted_at < toDateTime('",
		"messages":       " FROM deliveries FINAL WHERE tenant_id = 'default' AND trigger != 'system' AND has(['sleep.created'], event_type) GROUP BY message_id",
		"message filter": " AND attempted_at >= toDateTime('",
		"resend":         " FROM deliveries WHERE tenant_id = 'default' AND message_id = '" + sleepID + "' AND trigger != 'system'",
		"sink inserts":   "INSERT INTO samples (tenant_id, user_id, series_type, ts, ts_ms, source_id, ",
	} {
		found := false
		for _, q := range script {
			found = found || strings.Contains(q, part)
		}
		if !found {
			t.Errorf("no %s statement (%q) was replayed on current ClickHouse", name, part)
		}
	}
}

// endOffsets returns the end offset of every partition of the topics.
func endOffsets(t *testing.T, cl *kgo.Client, topics ...string) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topics...)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	out := map[string]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		out[fmt.Sprintf("%s/%d", o.Topic, o.Partition)] = o.Offset
	})
	return out
}

func count(t *testing.T, conn driver.Conn, from string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+from).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", from, err)
	}
	return n
}

// waitFor polls cond until it holds, failing after a generous timeout: the
// machines are shared and slow at times, and tests never assert on time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
