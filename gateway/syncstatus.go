package gateway

// Sync status for people and programs: GET /users/{user_id}/sync/stream
// (Server-Sent Events: the last replay events, then each new one as
// "event: sync.status", with a comment line every heartbeat so that
// proxies keep the connection), GET /users/{user_id}/sync/recent (the last
// events) and GET /sync/runs (every run of the tenant, filtered). Events
// come from the sync feed (syncfeed.go).

import (
	"bufio"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// defaultHeartbeat is how often an idle stream sends a comment line.
const defaultHeartbeat = 15 * time.Second

// streamWriteTimeout bounds one write to a stream's client.
const streamWriteTimeout = 30 * time.Second

// WithHeartbeat sets how often an idle sync stream sends a heartbeat.
func WithHeartbeat(d time.Duration) Option {
	return func(g *Gateway) { g.heartbeat = d }
}

// intQuery reads ?name= as a whole number in [lo, hi], def when absent.
func intQuery(c *fiber.Ctx, name string, lo, hi, def int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("invalid_"+name, name+": want a whole number from "+itoa(lo)+" to "+itoa(hi))
	}
	return n, nil
}

// syncRecent answers GET /users/{user_id}/sync/recent?limit= (1–200,
// default 20): the user's last sync status events, newest first.
func (g *Gateway) syncRecent(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	limit, err := intQuery(c, "limit", 1, feedKeep, 20)
	if err != nil {
		return err
	}
	return c.JSON(g.feed.last(u.Tenant, u.ID, limit))
}

// syncStream answers GET /users/{user_id}/sync/stream?replay= (0–200,
// default 20) with Server-Sent Events until the client leaves, the stream
// falls behind or the gateway stops.
func (g *Gateway) syncStream(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	replay, err := intQuery(c, "replay", 0, feedKeep, 20)
	if err != nil {
		return err
	}
	// Subscribe before reading the replay, so that nothing falls between.
	events, cancel := g.feed.subscribe(u.Tenant, u.ID)
	past := g.feed.last(u.Tenant, u.ID, replay)
	slices.Reverse(past)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	conn := c.Context().Conn()
	stopping, heartbeat := g.stopping, g.heartbeat
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		write := func(s string) bool {
			_ = conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			_, _ = w.WriteString(s)
			return w.Flush() == nil
		}
		sent := map[string]bool{}
		send := func(ev syncEvent) bool {
			if sent[ev.EventID] {
				return true
			}
			sent[ev.EventID] = true
			b, _ := json.Marshal(ev)
			return write("id: " + ev.EventID + "\nevent: sync.status\ndata: " + string(b) + "\n\n")
		}
		if !write(": connected\n\n") {
			return
		}
		for _, ev := range past {
			if !send(ev) {
				return
			}
		}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case ev, ok := <-events:
				if !ok || !send(ev) {
					return
				}
			case <-tick.C:
				if !write(": heartbeat\n\n") {
					return
				}
			case <-stopping:
				return
			}
		}
	})
	return nil
}

// listAllSyncRuns answers GET /sync/runs?limit=&user_id=&provider=&status=&source=:
// the latest state of every run of the tenant's users, newest first
// (limit 1–10000, default 100).
func (g *Gateway) listAllSyncRuns(c *fiber.Ctx) error {
	limit, err := intQuery(c, "limit", 1, 10000, 100)
	if err != nil {
		return err
	}
	tenant := who(c).Tenant
	want := map[string]string{}
	for _, f := range []string{"user_id", "provider", "status", "source"} {
		if v := c.Query(f); v != "" {
			want[f] = v
		}
	}
	if s, ok := want["status"]; ok && !slices.Contains([]string{runInProgress, runSuccess, runFailed}, s) {
		return badRequest("invalid_status", "status: want in_progress, success or failed")
	}
	match := func(r schemas.SyncRun) bool {
		for f, v := range want {
			var got string
			switch f {
			case "user_id":
				got = r.UserID
			case "provider":
				got = r.Provider
			case "status":
				got = r.Status
			case "source":
				got = r.Source
			}
			if got != v {
				return false
			}
		}
		return true
	}
	var runs []schemas.SyncRun
	g.env.Tables.SyncRuns.Range(func(_ string, r schemas.SyncRun) bool {
		if r.Tenant == tenant && match(r) {
			runs = append(runs, r)
		}
		return true
	})
	slices.SortFunc(runs, func(a, b schemas.SyncRun) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if len(runs) > limit {
		runs = runs[:limit]
	}
	out := make([]syncRunView, len(runs))
	for i, r := range runs {
		out[i] = viewRun(r)
	}
	return c.JSON(out)
}
