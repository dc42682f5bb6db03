package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// erasureTables are the ClickHouse tables that hold a user's rows.
var erasureTables = []string{"samples", "workouts", "workout_laps", "sleep", "summaries", "deliveries"}

// rowsOf counts the user's rows in every table (the delivery log's
// user.deleted attempts left out).
func rowsOf(t *testing.T, conn driver.Conn, user string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, table := range erasureTables {
		where := "user_id = toUUID(?)"
		if table == "deliveries" {
			where = "user_id = ? AND event_type != 'user.deleted'"
		}
		var n uint64
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+table+" WHERE "+where, user).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// keysOf counts the user's distinct records (re-inserts collapse under
// FINAL) in the data tables, of one provider when one is named.
func keysOf(t *testing.T, conn driver.Conn, user string, provider ...string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, table := range []string{"samples", "workouts", "sleep", "summaries"} {
		where, args := "user_id = toUUID(?)", []any{user}
		if len(provider) > 0 {
			where, args = where+" AND provider = ?", append(args, provider[0])
		}
		var n uint64
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+table+" FINAL WHERE "+where, args...).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func total(m map[string]uint64) (n uint64) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestErasureHolds erases a user with data in every table and topic: the
// user is 404, their rows leave ClickHouse, their refresh tokens,
// invitation codes and user record are tombstoned, and user.deleted goes to
// Kafka and to the webhook endpoint. Then every component is restarted, the
// raw topics are processed again from the beginning by a new processor
// group, the canonical topics are written again by a new sink group, and
// the endpoint recovers the whole range: nothing of the erased user comes
// back, while the other user's data is re-delivered and stays whole.
// Erasing again is 202 and changes nothing; an unknown user is 404. A
// third user's apple data is deleted the same way, and stays deleted.
func TestErasureHolds(t *testing.T) {
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	st := testenv.Start(t, map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db})
	env := st.Env
	conn, err := connectClickHouse(context.Background(), env.Config, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	key, err := bootstrap(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}

	// run starts components on env until the returned stop is called.
	run := func(env *app.Env, ln net.Listener, comps ...func(context.Context) error) func() {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, c := range comps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c(ctx); err != nil && ctx.Err() == nil {
					t.Errorf("component stopped: %v", err)
				}
			}()
		}
		return func() { cancel(); wg.Wait() }
	}
	stop := run(env, ln,
		func(ctx context.Context) error { return serveGateway(ctx, env, ln, conn) },
		func(ctx context.Context) error { return process(ctx, env) },
		func(ctx context.Context) error { return sink(ctx, env, conn) },
		func(ctx context.Context) error { return deliver(ctx, env) },
	)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()

	api := "http://" + addr
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
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	rc := &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	ep := call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook"}`), 201)["id"].(string)
	secret := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, 200)["key"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	of := func(user string) (n int) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for typ, msgs := range rc.got {
			for _, m := range msgs {
				if m["user_id"] == user && typ != schemas.EventUserDeleted {
					n++
				}
			}
		}
		return n
	}

	started := time.Now().Add(-time.Minute)
	jane := call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com","first_name":"Jane"}`), 201)["id"].(string)
	joe := call("POST", "/api/v1/users", []byte(`{"email":"joe@example.com"}`), 201)["id"].(string)
	ann := call("POST", "/api/v1/users", []byte(`{"email":"ann@example.com"}`), 201)["id"].(string)
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	call("POST", "/api/v1/sdk/users/"+jane+"/sync", body, 202)
	call("POST", "/api/v1/sdk/users/"+joe+"/sync", body, 202)
	call("POST", "/api/v1/sdk/users/"+ann+"/sync", body, 202)
	call("POST", "/api/v1/users/"+jane+"/invitation-code", nil, 201)
	call("POST", "/api/v1/users/"+jane+"/token", nil, 200)
	call("PATCH", "/api/v1/users/"+jane, []byte(`{"last_name":"Doe","first_name":null}`), 200)

	waitFor(t, "both users' rows in every table and their webhooks", func() bool {
		j, o := rowsOf(t, conn, jane), rowsOf(t, conn, joe)
		return j["samples"] > 0 && j["workouts"] > 0 && j["sleep"] > 0 && j["deliveries"] > 0 &&
			o["samples"] == j["samples"] && o["deliveries"] == j["deliveries"] && of(jane) > 0
	})
	waitFor(t, "ann's rows", func() bool { return total(keysOf(t, conn, ann)) == total(keysOf(t, conn, joe)) })
	joeRows := keysOf(t, conn, joe)
	// Ann's apple data goes; ann stays.
	call("DELETE", "/api/v1/users/"+ann+"/connections/apple/data", nil, 202)
	call("GET", "/api/v1/users/"+ann, nil, 200)
	waitFor(t, "ann's apple rows deleted", func() bool { return total(keysOf(t, conn, ann, "apple")) == 0 })
	joeSent := of(joe)

	call("DELETE", "/api/v1/users/"+jane, nil, 202)
	call("DELETE", "/api/v1/users/"+jane, nil, 202) // twice is harmless
	call("DELETE", "/api/v1/users/"+uuid.NewString(), nil, 404)
	for _, path := range []string{"/api/v1/users/" + jane, "/api/v1/users/" + jane + "/connections",
		"/api/v1/users/" + jane + "/events/workouts?start_date=2000-01-01&end_date=2100-01-01"} {
		call("GET", path, nil, 404)
	}
	call("POST", "/api/v1/sdk/users/"+jane+"/sync", body, 404)
	waitFor(t, "user.deleted at the endpoint and no row of jane left", func() bool {
		return rc.count(schemas.EventUserDeleted) == 1 && total(rowsOf(t, conn, jane)) == 0
	})
	janeSent := of(jane)
	if d := rc.got[schemas.EventUserDeleted][0]; d["user_id"] != jane {
		t.Fatalf("user.deleted = %v, want user %s", d, jane)
	}
	for name, n := range map[string]int{
		"users":            countWhere(env.Tables.Users.Range, func(u schemas.User) bool { return u.ID == jane }),
		"refresh tokens":   countWhere(env.Tables.RefreshTokens.Range, func(r schemas.RefreshToken) bool { return r.UserID == jane }),
		"invitation codes": countWhere(env.Tables.InvitationCodes.Range, func(r schemas.InvitationCode) bool { return r.UserID == jane }),
	} {
		if n != 0 {
			t.Fatalf("%d %s of jane left in the state topics", n, name)
		}
	}
	if got := keysOf(t, conn, joe); total(got) != total(joeRows) {
		t.Fatalf("joe's rows after jane's erasure = %v, want %v", got, joeRows)
	}

	// Restart everything on a new env; a new processor group re-reads the
	// raw topics from the beginning, a new sink group the canonical topics.
	stop()
	stopped = true
	env.Close()
	ctx := context.Background()
	env2, err := app.Open(ctx, env.Config, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer env2.Close()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	replay := func(ctx context.Context) error {
		p, err := processors.New(processors.Config{
			Brokers: env2.Brokers, Topics: env2.Topics, Serde: env2.Serde, Logger: env2.Logger,
			MaxBatchBytes: int32(app.MaxRecordBytes(env2.Config)), InstanceID: "replay",
			Erasures:  env2.Tables.Erasures,
			ExtraOpts: []kgo.Opt{kgo.ConsumerGroup("erasure-replay")},
		})
		if err != nil {
			return err
		}
		return p.Run(ctx)
	}
	stop2 := run(env2, ln2,
		func(ctx context.Context) error { return serveGateway(ctx, env2, ln2, conn) },
		func(ctx context.Context) error { return process(ctx, env2) },
		replay,
		func(ctx context.Context) error { return sink(ctx, env2, conn) },
		func(ctx context.Context) error { return sinkGroupRun(ctx, env2, conn, "erasure-resink") },
		func(ctx context.Context) error { return deliver(ctx, env2) },
	)
	defer stop2()
	waitFor(t, "the replay group at the end of the raw topic", func() bool {
		return caughtUp(t, env2, "erasure-replay", 0, env2.Topics.Raw("apple"))
	})
	waitFor(t, "the new sink group at the end of the canonical topics", func() bool {
		return caughtUp(t, env2, "erasure-resink", 1, env2.Topics.Canonical()...)
	})
	queued := call("POST", "/api/v1/webhooks/endpoints/"+ep+"/recover", []byte(`{"since":"`+started.UTC().Format(time.RFC3339)+`"}`), 202)["queued"].(float64)
	waitFor(t, "joe's recovered messages", func() bool { return of(joe) >= 2*joeSent })
	if queued == 0 {
		t.Fatal("the recover queued nothing; it should re-deliver joe's data")
	}
	if n := of(jane); n != janeSent {
		t.Fatalf("jane's messages grew to %d after the erasure", n)
	}
	if got := rowsOf(t, conn, jane); total(got) != 0 {
		t.Fatalf("jane's rows came back: %v", got)
	}
	if got := keysOf(t, conn, ann, "apple"); total(got) != 0 {
		t.Fatalf("ann's deleted apple rows came back: %v", got)
	}
	if got := keysOf(t, conn, joe); total(got) != total(joeRows) {
		t.Fatalf("joe's rows after the replay = %v, want %v", got, joeRows)
	}
	// The recover re-delivers user.deleted itself (same webhook-id), so
	// that an endpoint that missed it erases too.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, d := range rc.got[schemas.EventUserDeleted] {
		if d["user_id"] != jane {
			t.Fatalf("user.deleted about %v, want only %s", d["user_id"], jane)
		}
	}
}

// countWhere counts the rows of a state table that match.
func countWhere[T any](each func(func(string, T) bool), match func(T) bool) (n int) {
	each(func(_ string, v T) bool {
		if match(v) {
			n++
		}
		return true
	})
	return n
}

// caughtUp reports whether group committed every partition of topics to its
// end, less slack (a transactional topic ends with a commit marker that
// no consumer commits past).
func caughtUp(t *testing.T, env *app.Env, group string, slack int64, topics ...string) bool {
	t.Helper()
	adm := kadm.NewClient(env.Producer)
	ctx := context.Background()
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return false
	}
	done := true
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset == 0 {
			return
		}
		c, ok := committed.Lookup(o.Topic, o.Partition)
		if !ok || c.At < o.Offset-slack {
			done = false
		}
	})
	return done
}
