package gateway

// Sync runs. A file import is one run: the gateway produces sync.started,
// then sync.completed or sync.failed Lifecycle events to
// wearables.lifecycle (the delivery consumer turns them into webhooks), and
// keeps the latest state of every run, with its progress while the upload
// streams, in the compacted wearables.state.sync_runs topic, which every
// gateway reads at start: GET /api/v1/users/{user_id}/sync/runs survives
// restarts and answers the same from any instance.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// The statuses of a sync run (Open Wearables' SyncStatusEvent statuses).
const (
	runInProgress = "in_progress"
	runSuccess    = "success"
	runFailed     = "failed"
)

// progressEvery is how often a running import saves its progress.
const progressEvery = 2 * time.Second

// syncRun is a run in progress, owned by one request.
type syncRun struct {
	g     *Gateway
	run   schemas.SyncRun
	saved time.Time
}

// newRunID returns an id in Open Wearables' format, run_<16 hex>.
func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}

// startRun produces sync.started and records a new run as in progress. It
// fails (503) when Kafka does not take either. As everywhere, the event
// goes first: no state is shown that its event did not announce.
func (g *Gateway) startRun(ctx context.Context, u schemas.User, provider, source string) (*syncRun, error) {
	now := g.now().UTC().Truncate(time.Millisecond)
	r := &syncRun{g: g, saved: now, run: schemas.SyncRun{
		ID: newRunID(), Tenant: u.Tenant, UserID: u.ID, Provider: provider, Source: source,
		Status: runInProgress, Message: "import started", StartedAt: now, UpdatedAt: now,
	}}
	if err := r.lifecycle(ctx, schemas.EventSyncStarted); err != nil {
		return nil, err
	}
	if err := r.save(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// progress saves the run's counters, at most every progressEvery; a
// failure to save progress is logged, not fatal.
func (r *syncRun) progress(ctx context.Context, items, bytes int64) {
	r.run.ItemsProcessed, r.run.BytesProcessed = items, bytes
	now := r.g.now()
	if now.Sub(r.saved) < progressEvery {
		return
	}
	r.saved = now
	r.run.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	if err := r.save(ctx); err != nil {
		r.g.env.Logger.Warn("cannot save import progress", "run_id", r.run.ID, "err", err)
	}
}

// finish produces sync.completed or sync.failed, then records the end of
// the run, failed when cause is not nil: a run never shows as ended
// without its event (the event's id is the same when a retry writes it
// again). It uses its own context, so that a run whose request was
// cancelled is still recorded as failed.
func (r *syncRun) finish(items, bytes int64, message string, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.g.produceTimeout)
	defer cancel()
	now := r.g.now().UTC().Truncate(time.Millisecond)
	r.run.ItemsProcessed, r.run.BytesProcessed = items, bytes
	r.run.UpdatedAt, r.run.EndedAt = now, now
	r.run.Message = message
	event := schemas.EventSyncCompleted
	r.run.Status = runSuccess
	if cause != nil {
		event = schemas.EventSyncFailed
		r.run.Status = runFailed
		r.run.Error = cause.Error()
	}
	if err := r.lifecycle(ctx, event); err != nil {
		return err
	}
	return r.save(ctx)
}

func (r *syncRun) save(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.g.produceTimeout)
	defer cancel()
	if err := r.g.env.Tables.SyncRuns.Put(ctx, r.run.ID, r.run); err != nil {
		r.g.env.Logger.Warn("sync run not saved", "run_id", r.run.ID, "err", err)
		return unavailable("the event store is unavailable; retry later")
	}
	return nil
}

func (r *syncRun) lifecycle(ctx context.Context, event string) error {
	ev := schemas.Lifecycle{
		ID:             schemas.NameID(r.run.Tenant, r.run.ID, event),
		Tenant:         r.run.Tenant,
		UserID:         r.run.UserID,
		Type:           event,
		Provider:       r.run.Provider,
		OccurredAt:     r.run.UpdatedAt,
		RunID:          r.run.ID,
		SyncSource:     r.run.Source,
		Message:        r.run.Message,
		Status:         r.run.Status,
		Error:          r.run.Error,
		ItemsProcessed: r.run.ItemsProcessed,
	}
	value, err := r.g.env.Serde.Encode(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.g.produceTimeout)
	defer cancel()
	rec := &kgo.Record{Topic: r.g.env.Topics.Lifecycle(), Key: []byte(r.run.UserID), Value: value}
	if err := r.g.env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		r.g.env.Logger.Warn("lifecycle event not acknowledged by kafka", "type", event, "run_id", r.run.ID, "err", err)
		return unavailable("the event store is unavailable; retry later")
	}
	return nil
}

// syncRunView is a run as the API shows it (Open Wearables' SyncRunSummary
// fields that apply).
type syncRunView struct {
	RunID          string  `json:"run_id"`
	UserID         string  `json:"user_id"`
	Provider       string  `json:"provider"`
	Source         string  `json:"source"`
	Status         string  `json:"status"`
	Message        string  `json:"message"`
	Error          *string `json:"error"`
	ItemsProcessed int64   `json:"items_processed"`
	BytesProcessed int64   `json:"bytes_processed"`
	StartedAt      string  `json:"started_at"`
	UpdatedAt      string  `json:"updated_at"`
	EndedAt        *string `json:"ended_at"`
}

func viewRun(r schemas.SyncRun) syncRunView {
	v := syncRunView{
		RunID: r.ID, UserID: r.UserID, Provider: r.Provider, Source: r.Source, Status: r.Status,
		Message: r.Message, ItemsProcessed: r.ItemsProcessed, BytesProcessed: r.BytesProcessed,
		StartedAt: r.StartedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: r.UpdatedAt.UTC().Format(time.RFC3339Nano),
	}
	if r.Error != "" {
		v.Error = &r.Error
	}
	if !r.EndedAt.IsZero() && r.EndedAt.Unix() > 0 {
		s := r.EndedAt.UTC().Format(time.RFC3339Nano)
		v.EndedAt = &s
	}
	return v
}

// listSyncRuns answers GET /users/{user_id}/sync/runs?limit=: the user's
// runs, latest state of each, newest first (limit 1–200, default 20).
func (g *Gateway) listSyncRuns(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	limit := 20
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return badRequest("invalid_limit", "limit: want a whole number from 1 to 200")
		}
		limit = n
	}
	var runs []schemas.SyncRun
	g.env.Tables.SyncRuns.Range(func(_ string, r schemas.SyncRun) bool {
		if r.UserID == u.ID && r.Tenant == u.Tenant {
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
	return c.Status(http.StatusOK).JSON(out)
}

// maxRecording bounds the runs being recorded in the background at once.
const maxRecording = 64

// recordSlots holds one token per run being recorded (recordRun).
var recordSlots = make(chan struct{}, maxRecording)

// recordRun records a run that began and ended within one request (an SDK
// upload, a provider webhook) in the background: sync.completed, then its
// state, so that it shows in the lifecycle webhooks, the runs and the sync
// streams. The data the request carried is already in Kafka and its answer
// never waits for this; when Kafka refuses, or maxRecording runs are being
// recorded already, the run is logged and not recorded.
func (g *Gateway) recordRun(u schemas.User, provider, source, message string, items, bytes int64) string {
	now := g.now().UTC().Truncate(time.Millisecond)
	r := &syncRun{g: g, saved: now, run: schemas.SyncRun{
		ID: newRunID(), Tenant: u.Tenant, UserID: u.ID, Provider: provider, Source: source,
		Status: runSuccess, Message: message, ItemsProcessed: items, BytesProcessed: bytes,
		StartedAt: now, UpdatedAt: now, EndedAt: now,
	}}
	select {
	case recordSlots <- struct{}{}:
	default:
		g.env.Logger.Warn("sync run not recorded: too many being recorded", "run_id", r.run.ID, "source", source)
		return r.run.ID
	}
	go func() {
		defer func() { <-recordSlots }()
		ctx, cancel := context.WithTimeout(context.Background(), g.produceTimeout)
		defer cancel()
		if err := r.lifecycle(ctx, schemas.EventSyncCompleted); err != nil {
			return // logged by lifecycle
		}
		_ = r.save(ctx) // logged by save
	}()
	return r.run.ID
}
