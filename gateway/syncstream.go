package gateway

// Sync runs as Server-Sent Events (Open Wearables' GET
// /users/{id}/sync/stream): the user's runs as they are, then each change
// as the gateway reads it from wearables.state.sync_runs, so a run started
// on any gateway is seen from every one. One watcher on the table fans the
// changes out to the open streams of each user. A stream ends after
// streamLife (the server's write timeout bounds a response) or when the
// gateway stops; the client reconnects (the `retry` field).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// streamLife is how long one stream stays open; keepAliveEvery how often an
// idle stream sends a comment, so proxies keep it open.
const (
	streamLife     = 50 * time.Second
	keepAliveEvery = 15 * time.Second
)

// runHub fans sync-run changes out to the streams open for each user.
type runHub struct {
	mu   sync.Mutex
	subs map[string]map[chan schemas.SyncRun]struct{} // by tenant/user
}

func newRunHub() *runHub {
	return &runHub{subs: map[string]map[chan schemas.SyncRun]struct{}{}}
}

// publish is the table's watcher: it hands the run to its user's streams,
// dropping it for a stream that is not keeping up (it reconnects and gets
// the current state first).
func (h *runHub) publish(_ string, r *schemas.SyncRun) {
	if r == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[r.Tenant+"/"+r.UserID] {
		select {
		case ch <- *r:
		default:
		}
	}
}

func (h *runHub) subscribe(tenant, user string) chan schemas.SyncRun {
	ch := make(chan schemas.SyncRun, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	key := tenant + "/" + user
	if h.subs[key] == nil {
		h.subs[key] = map[chan schemas.SyncRun]struct{}{}
	}
	h.subs[key][ch] = struct{}{}
	return ch
}

func (h *runHub) unsubscribe(tenant, user string, ch chan schemas.SyncRun) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := tenant + "/" + user
	delete(h.subs[key], ch)
	if len(h.subs[key]) == 0 {
		delete(h.subs, key)
	}
}

// syncStream answers GET /users/{user_id}/sync/stream: `event: sync_run`
// with a run as GET …/sync/runs shows it, first every current run of the
// user (oldest first), then each change.
func (g *Gateway) syncStream(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	ch := g.runs.subscribe(u.Tenant, u.ID)
	var current []schemas.SyncRun
	g.env.Tables.SyncRuns.Range(func(_ string, r schemas.SyncRun) bool {
		if r.UserID == u.ID && r.Tenant == u.Tenant {
			current = append(current, r)
		}
		return true
	})
	sortRunsOldestFirst(current)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	done := g.done
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer g.runs.unsubscribe(u.Tenant, u.ID, ch)
		send := func(r schemas.SyncRun) error {
			b, _ := json.Marshal(viewRun(r))
			if _, err := fmt.Fprintf(w, "event: sync_run\nid: %s\ndata: %s\n\n", r.ID, b); err != nil {
				return err
			}
			return w.Flush()
		}
		if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
			return
		}
		for _, r := range current {
			if send(r) != nil {
				return
			}
		}
		if w.Flush() != nil {
			return
		}
		end := time.NewTimer(streamLife)
		defer end.Stop()
		tick := time.NewTicker(keepAliveEvery)
		defer tick.Stop()
		for {
			select {
			case r := <-ch:
				if send(r) != nil {
					return
				}
			case <-tick.C:
				if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || w.Flush() != nil {
					return
				}
			case <-end.C:
				return
			case <-done:
				return
			}
		}
	})
	return nil
}

// sortRunsOldestFirst orders runs by start, then id.
func sortRunsOldestFirst(runs []schemas.SyncRun) {
	slices.SortFunc(runs, func(a, b schemas.SyncRun) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
