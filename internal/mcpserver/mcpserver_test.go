package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/reads"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}

// TestToolsOverStdioAndHTTP calls every tool with the SDK's client, over
// an in-memory pair (as stdio) and over streamable HTTP with an API key:
// exact daily values by local day, the other tenant's user not found, a
// bad date named, and HTTP without a valid key refused.
func TestToolsOverStdioAndHTTP(t *testing.T) {
	env := testenv.Start(t, nil).Env
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := chserver.TestServer(t)
	db := srv.NewDatabase(t)
	conn, err := chsink.Connect(ctx, srv.Addr, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	jane := schemas.User{ID: schemas.NameID("acme", "jane"), Tenant: "acme", Email: "jane@example.com", CreatedAt: now}
	joe := schemas.User{ID: schemas.NameID("globex", "joe"), Tenant: "globex", Email: "joe@example.com", CreatedAt: now}
	key := "sk-test-acme"
	for _, put := range []func() error{
		func() error {
			return env.Tables.Tenants.Put(ctx, "acme", schemas.Tenant{ID: "acme", Name: "Acme", CreatedAt: now})
		},
		func() error { return env.Tables.Users.Put(ctx, jane.ID, jane) },
		func() error { return env.Tables.Users.Put(ctx, joe.ID, joe) },
		func() error {
			return env.Tables.APIKeys.Put(ctx, secrets.Hash(key), schemas.APIKey{Hash: secrets.Hash(key), ID: "k1", Tenant: "acme", Role: "admin", CreatedAt: now})
		},
	} {
		if err := put(); err != nil {
			t.Fatal(err)
		}
	}
	sample := func(s string, v float64) schemas.Sample {
		ts, _ := time.Parse(time.RFC3339, s)
		_, off := ts.Zone()
		return schemas.Sample{Time: ts.UTC(), Value: v, ZoneOffset: int32(off / 60)}
	}
	batch := func(user, series string, samples ...schemas.Sample) schemas.SampleBatch {
		st, _ := schemas.LookupSeriesType(series)
		return schemas.SampleBatch{ID: schemas.NameID(user, series), Tenant: "acme", UserID: user, SeriesType: series, Unit: st.Unit,
			Source: schemas.Source{Provider: "garmin", ID: "garmin:fr965", DeviceType: "watch"}, Version: 1, Samples: samples}
	}
	if err := chsink.NewWriter(conn).Write(ctx, chsink.Rows{Samples: []schemas.SampleBatch{
		batch(jane.ID, "steps", sample("2026-01-14T10:00:00-05:00", 1000), sample("2026-01-14T23:30:00-05:00", 234), sample("2026-01-15T00:30:00-05:00", 50)),
		batch(jane.ID, "heart_rate", sample("2026-01-14T23:59:00-05:00", 60), sample("2026-01-15T00:01:00-05:00", 80)),
	}}); err != nil {
		t.Fatal(err)
	}
	tools := Tools{Reader: reads.New(conn), Tables: env.Tables}

	call := func(cs *mcp.ClientSession, name string, args map[string]any) (*mcp.CallToolResult, map[string]any) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out map[string]any
		if !res.IsError {
			b, _ := json.Marshal(res.StructuredContent)
			_ = json.Unmarshal(b, &out)
		}
		return res, out
	}
	check := func(cs *mcp.ClientSession) {
		t.Helper()
		_, users := call(cs, "get_users", map[string]any{"search": "JANE"})
		if list := users["users"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != jane.ID {
			t.Fatalf("get_users = %v", users)
		}
		_, act := call(cs, "get_activity_summary", map[string]any{"user_id": jane.ID, "start_date": "2026-01-14", "end_date": "2026-01-15"})
		days := act["days"].([]any)
		if len(days) != 2 || days[0].(map[string]any)["steps"] != 1234.0 || days[1].(map[string]any)["steps"] != 50.0 ||
			days[0].(map[string]any)["avg_heart_rate_bpm"] != 60.0 {
			t.Fatalf("get_activity_summary = %v", act)
		}
		_, ts := call(cs, "get_timeseries", map[string]any{"user_id": jane.ID, "start_time": "2026-01-14T00:00:00-05:00",
			"end_time": "2026-01-16T00:00:00-05:00", "types": []string{"heart_rate"}})
		series := ts["series"].([]any)
		if len(series) != 1 || series[0].(map[string]any)["avg"] != 70.0 || series[0].(map[string]any)["count"] != 2.0 || ts["truncated"] != false {
			t.Fatalf("get_timeseries = %v", ts)
		}
		_, sl := call(cs, "get_sleep_summary", map[string]any{"user_id": jane.ID, "start_date": "2026-01-14", "end_date": "2026-01-15"})
		if len(sl["days"].([]any)) != 0 {
			t.Fatalf("get_sleep_summary = %v", sl)
		}
		_, wk := call(cs, "get_workout_events", map[string]any{"user_id": jane.ID})
		if wk["total"] != 0.0 {
			t.Fatalf("get_workout_events = %v", wk)
		}
		if res, _ := call(cs, "get_activity_summary", map[string]any{"user_id": joe.ID, "start_date": "2026-01-14", "end_date": "2026-01-15"}); !res.IsError {
			t.Fatal("another tenant's user was read")
		}
		res, _ := call(cs, "get_activity_summary", map[string]any{"user_id": jane.ID, "start_date": "14.01.2026", "end_date": "2026-01-15"})
		if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "start_date") {
			t.Fatalf("bad date answered %+v", res.Content)
		}
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	ct, st := mcp.NewInMemoryTransports()
	ss, err := tools.Server("acme").Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(cs)
	cs.Close()

	hs := httptest.NewServer(tools.HTTPHandler())
	defer hs.Close()
	withKey := &http.Client{Transport: headerTransport{key: key}}
	cs, err = client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: withKey, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(cs)
	cs.Close()

	resp, err := http.Post(hs.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a key: %d", resp.StatusCode)
	}
	if _, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: &http.Client{Transport: headerTransport{key: "sk-wrong"}}, MaxRetries: -1}, nil); err == nil {
		t.Fatal("a wrong key connected")
	}
}

// headerTransport sends an API key with every request.
type headerTransport struct{ key string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-API-Key", h.key)
	return http.DefaultTransport.RoundTrip(r)
}
