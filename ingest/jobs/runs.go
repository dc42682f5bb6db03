package jobs

// Polls and backfills are sync runs: sync.started when their first step
// runs, the run's progress after each step in wearables.state.sync_runs,
// then sync.completed or sync.failed, exactly as the gateway records file
// imports, so GET /api/v1/users/{user_id}/sync/runs shows them together.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// The statuses of a sync run.
const (
	runInProgress = "in_progress"
	runSuccess    = "success"
	runFailed     = "failed"
)

// NewRunID returns a run id in Open Wearables' format, run_<16 hex>.
func NewRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}

// runSource is the source of a run of kind.
func runSource(kind string) string {
	if kind == ingest.TaskBackfill {
		return "backfill"
	}
	return "pull"
}

// runOf returns the recorded state of j's run, or a new one.
func runOf(env *app.Env, j schemas.IngestJob, now time.Time) schemas.SyncRun {
	if r, ok := env.Tables.SyncRuns.Get(j.RunID); ok {
		return r
	}
	return schemas.SyncRun{
		ID: j.RunID, Tenant: j.Tenant, UserID: j.UserID, Provider: j.Provider, Source: runSource(j.Kind),
		Status: runInProgress, Message: j.Kind + " started", StartedAt: now, UpdatedAt: now,
	}
}

// saveRun stores r and, when event is not empty, first produces it: a run
// is never recorded as ended without its event, and a job that failed
// between the two runs again and produces the event again, with the same id.
func saveRun(ctx context.Context, env *app.Env, r schemas.SyncRun, event string) error {
	if event != "" {
		err := Lifecycle(ctx, env, schemas.Lifecycle{
			ID: schemas.NameID(r.Tenant, r.ID, event), Tenant: r.Tenant, UserID: r.UserID, Type: event,
			Provider: r.Provider, OccurredAt: r.UpdatedAt, RunID: r.ID, SyncSource: r.Source,
			Message: r.Message, Status: r.Status, Error: r.Error, ItemsProcessed: r.ItemsProcessed,
		})
		if err != nil {
			return err
		}
	}
	return env.Tables.SyncRuns.Put(ctx, r.ID, r)
}

// finishRun records the end of r, failed when cause is not nil.
func finishRun(ctx context.Context, env *app.Env, r schemas.SyncRun, items int64, now time.Time, cause error) error {
	r.ItemsProcessed, r.UpdatedAt, r.EndedAt = items, now, now
	event := schemas.EventSyncCompleted
	r.Status, r.Message = runSuccess, "fetched "+itoa(items)+" bodies"
	if cause != nil {
		event = schemas.EventSyncFailed
		r.Status, r.Message, r.Error = runFailed, "stopped after "+itoa(items)+" bodies", cause.Error()
	}
	return saveRun(ctx, env, r, event)
}
