package gateway

// The sync status feed. Every run (an import, an SDK upload, a webhook, a
// poll, a backfill) keeps its latest state in the compacted
// wearables.state.sync_runs topic, which every gateway follows; each change
// applied there becomes a sync status event (Open Wearables'
// SyncStatusEvent) in this feed: kept per user, the last feedKeep of the
// last day, for GET /users/{user_id}/sync/recent and the replay of the
// stream, and sent to the user's open streams
// (GET /users/{user_id}/sync/stream). A gateway that starts holds the
// latest state of every run it loaded, then every change from then on.

import (
	"slices"
	"sync"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// feedKeep and feedAge bound the events kept per user.
const (
	feedKeep = 200
	feedAge  = 24 * time.Hour
)

// syncEvent is one sync status event, as Open Wearables' SyncStatusEvent.
type syncEvent struct {
	EventID        string  `json:"event_id"`
	RunID          string  `json:"run_id"`
	UserID         string  `json:"user_id"`
	Provider       string  `json:"provider"`
	Source         string  `json:"source"`
	Stage          string  `json:"stage"`
	Status         string  `json:"status"`
	Message        string  `json:"message"`
	ItemsProcessed int64   `json:"items_processed"`
	Error          *string `json:"error"`
	StartedAt      string  `json:"started_at"`
	EndedAt        *string `json:"ended_at"`
	Timestamp      string  `json:"timestamp"`

	at time.Time
}

// eventOf is the status event of run r's state.
func eventOf(r schemas.SyncRun) syncEvent {
	v := viewRun(r)
	stage := "completed"
	switch r.Status {
	case runInProgress:
		stage = "started"
		if r.ItemsProcessed > 0 || r.BytesProcessed > 0 {
			stage = "processing"
		}
	case runFailed:
		stage = "failed"
	}
	return syncEvent{
		EventID: schemas.NameID(r.Tenant, r.ID, r.Status, v.UpdatedAt, itoa(int(r.ItemsProcessed))),
		RunID:   r.ID, UserID: r.UserID, Provider: r.Provider, Source: r.Source, Stage: stage, Status: r.Status,
		Message: r.Message, ItemsProcessed: r.ItemsProcessed, Error: v.Error, StartedAt: v.StartedAt, EndedAt: v.EndedAt,
		Timestamp: v.UpdatedAt, at: r.UpdatedAt,
	}
}

// syncFeed holds the recent events per user and the open streams.
type syncFeed struct {
	now func() time.Time

	mu     sync.Mutex
	recent map[string][]syncEvent // by tenant/user, oldest first
	subs   map[string]map[chan syncEvent]struct{}
}

// newSyncFeed follows the runs table of g's env.
func newSyncFeed(runs interface {
	Watch(func(string, *schemas.SyncRun))
	Range(func(string, schemas.SyncRun) bool)
}, now func() time.Time) *syncFeed {
	f := &syncFeed{now: now, recent: map[string][]syncEvent{}, subs: map[string]map[chan syncEvent]struct{}{}}
	runs.Watch(func(_ string, r *schemas.SyncRun) {
		if r != nil {
			f.add(*r)
		}
	})
	var loaded []schemas.SyncRun
	runs.Range(func(_ string, r schemas.SyncRun) bool {
		loaded = append(loaded, r)
		return true
	})
	slices.SortFunc(loaded, func(a, b schemas.SyncRun) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	for _, r := range loaded {
		f.add(r)
	}
	return f
}

func feedKey(tenant, userID string) string { return tenant + "/" + userID }

// add keeps the event of r's state, once, and sends it to the user's streams.
func (f *syncFeed) add(r schemas.SyncRun) {
	ev := eventOf(r)
	key := feedKey(r.Tenant, r.UserID)
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.recent[key]
	if slices.ContainsFunc(list, func(e syncEvent) bool { return e.EventID == ev.EventID }) {
		return
	}
	list = append(list, ev)
	cut := f.now().Add(-feedAge)
	drop := max(len(list)-feedKeep, 0)
	for drop < len(list) && list[drop].at.Before(cut) {
		drop++
	}
	f.recent[key] = slices.Clone(list[drop:])
	for ch := range f.subs[key] {
		select {
		case ch <- ev:
		default:
			// A stream that does not keep up ends; its client reconnects
			// and replays.
			delete(f.subs[key], ch)
			close(ch)
		}
	}
}

// last returns the user's last n events, newest first.
func (f *syncFeed) last(tenant, userID string, n int) []syncEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.recent[feedKey(tenant, userID)]
	out := make([]syncEvent, 0, min(n, len(list)))
	for i := len(list) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, list[i])
	}
	return out
}

// subscribe returns a channel of the user's events from now on, and the
// function that ends the subscription. The channel is closed when the
// stream fell behind.
func (f *syncFeed) subscribe(tenant, userID string) (<-chan syncEvent, func()) {
	key := feedKey(tenant, userID)
	ch := make(chan syncEvent, 64)
	f.mu.Lock()
	if f.subs[key] == nil {
		f.subs[key] = map[chan syncEvent]struct{}{}
	}
	f.subs[key][ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.subs[key][ch]; ok {
			delete(f.subs[key], ch)
			close(ch)
		}
		if len(f.subs[key]) == 0 {
			delete(f.subs, key)
		}
	}
}
