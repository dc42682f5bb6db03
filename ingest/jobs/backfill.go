package jobs

// Pushed backfills. A provider that fulfils history requests by pushing
// the data later (Garmin: Capabilities.WebhookCallback) is not done when
// its requests were answered 202. Each data type of the backfill has a
// state in wearables.state.backfills: pending, triggered once requested,
// success only when a push or ping of the type arrives for the user (the
// gateway queues a delivered job), timed_out when none came within the
// worker's backfill timeout. Once no type is pending or triggered, the
// timed-out ones are requested once more (retry_in_progress); a second
// timeout fails the type. When no type waits any more the backfill is
// complete and its run ends: success, its message counting the types
// delivered and naming the failed ones (failed when none was delivered). Cancelling ends it at once
// (the run fails with "cancelled"); a type can be retried by hand.
//
// Every change goes through the worker that owns the user's partition of
// the jobs topic (jobs are keyed by user): the job handler and the
// scheduler's timeout sweep serialise on one lock, so no two writers race
// for one user's state.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// The jobs of pushed backfills, queued by the gateway.
const (
	// JobDelivered marks DataType of the user's backfill as delivered.
	JobDelivered = "backfill_delivered"
	// JobBackfillRetry requests DataType of the user's backfill again,
	// under RunID (a new run when the backfill had ended).
	JobBackfillRetry = "backfill_retry"
	// JobBackfillCancel cancels the user's backfill.
	JobBackfillCancel = "backfill_cancel"
)

// BackfillAttempts is how many times a type is requested before it fails.
const BackfillAttempts = 2

// DefaultBackfillTimeout is how long a requested type waits for its push
// (Open Wearables waits 300 s).
const DefaultBackfillTimeout = 5 * time.Minute

// WithBackfillTimeout sets how long a requested type of a pushed backfill
// waits for its data before it times out.
func WithBackfillTimeout(d time.Duration) Option { return func(w *Worker) { w.backfillTimeout = d } }

// Pushed reports whether p fulfils backfills by pushing (Garmin).
func Pushed(p ingest.Provider) bool { return p.Capabilities.WebhookCallback }

// waiting reports whether a type still waits for something.
func waiting(status string) bool {
	return status == schemas.TypePending || status == schemas.TypeTriggered || status == schemas.TypeTimedOut
}

// startPushed records the state of the new backfill run j, its types
// those of tasks; a backfill of the user still running is ended first.
func (w *Worker) startPushed(ctx context.Context, j schemas.IngestJob, tasks []ingest.Task, now time.Time) error {
	key := schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider)
	w.backfillMu.Lock()
	defer w.backfillMu.Unlock()
	if old, ok := w.env.Tables.Backfills.Get(key); ok && old.RunID == j.RunID {
		return nil // a replayed first step
	} else if ok && old.Active() {
		if err := w.endRun(ctx, old, now, errors.New("superseded by run "+j.RunID)); err != nil {
			return err
		}
	}
	b := schemas.Backfill{
		Tenant: j.Tenant, UserID: j.UserID, Provider: j.Provider, RunID: j.RunID, Status: schemas.BackfillInProgress,
		WindowStart: j.WindowStart, WindowEnd: j.WindowEnd, StartedAt: now, UpdatedAt: now, Types: []schemas.BackfillType{},
	}
	for _, t := range tasks {
		if b.Type(t.DataType) < 0 {
			b.Types = append(b.Types, schemas.BackfillType{Name: t.DataType, Status: schemas.TypePending})
		}
	}
	return w.env.Tables.Backfills.Put(ctx, key, b)
}

// cancelled reports whether run j's backfill was cancelled.
func (w *Worker) cancelled(j schemas.IngestJob) bool {
	b, ok := w.env.Tables.Backfills.Get(schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider))
	return ok && b.RunID == j.RunID && b.Status == schemas.BackfillCancelled
}

// requested records the answer to the request of one type: triggered, or
// done at once when the provider says it was requested before (on a retry
// that means it will not be sent again: failed).
func (w *Worker) requested(ctx context.Context, key, dataType string, retry bool, err error, now time.Time) error {
	return w.updateBackfill(ctx, key, now, func(b *schemas.Backfill) bool {
		i := b.Type(dataType)
		if i < 0 {
			return false
		}
		t := &b.Types[i]
		t.Attempts++
		t.TriggeredAt = now
		switch {
		case err == nil:
			t.Status, t.Error = schemas.TypeTriggered, ""
		case errors.Is(err, ingest.ErrAlreadyRequested) && !retry:
			t.Status, t.DoneAt, t.Error = schemas.TypeSuccess, now, ""
		case errors.Is(err, ingest.ErrAlreadyRequested):
			t.Status, t.DoneAt, t.Error = schemas.TypeFailed, now, "the provider sends a window once and refused a second request"
		default:
			t.Status, t.DoneAt, t.Error = schemas.TypeFailed, now, err.Error()
		}
		return true
	})
}

// updateBackfill applies change to the state under key (false: nothing
// changed) and saves it; when no type waits any more, the backfill is
// complete and its run ends first.
func (w *Worker) updateBackfill(ctx context.Context, key string, now time.Time, change func(*schemas.Backfill) bool) error {
	w.backfillMu.Lock()
	defer w.backfillMu.Unlock()
	b, ok := w.env.Tables.Backfills.Get(key)
	if !ok {
		return nil
	}
	b.Types = slices.Clone(b.Types) // the table's row stays as stored
	if !change(&b) {
		return nil
	}
	b.UpdatedAt = now
	if b.Active() && !slices.ContainsFunc(b.Types, func(t schemas.BackfillType) bool { return waiting(t.Status) }) {
		b.Status = schemas.BackfillComplete
		if err := w.endRun(ctx, b, now, nil); err != nil {
			return err
		}
	}
	return w.env.Tables.Backfills.Put(ctx, key, b)
}

// endRun ends b's run: success with the types delivered when cause is
// nil, failed with cause otherwise.
func (w *Worker) endRun(ctx context.Context, b schemas.Backfill, now time.Time, cause error) error {
	r := runOf(w.env, schemas.IngestJob{ID: b.RunID, RunID: b.RunID, Tenant: b.Tenant, UserID: b.UserID, Provider: b.Provider, Kind: ingest.TaskBackfill}, now)
	if r.Status != runInProgress {
		return nil
	}
	var delivered int
	var failed []string
	for _, t := range b.Types {
		switch t.Status {
		case schemas.TypeSuccess:
			delivered++
		case schemas.TypeFailed:
			failed = append(failed, t.Name)
		}
	}
	r.UpdatedAt, r.EndedAt = now, now
	r.ItemsProcessed = int64(delivered)
	event := schemas.EventSyncCompleted
	r.Status, r.Message = runSuccess, fmt.Sprintf("%d of %d types delivered", delivered, len(b.Types))
	if len(failed) > 0 {
		r.Message += "; failed: " + strings.Join(failed, ", ")
	}
	if cause == nil && delivered == 0 && len(failed) > 0 {
		cause = errors.New("no data was pushed for any type")
	}
	if cause != nil {
		event = schemas.EventSyncFailed
		r.Status, r.Error = runFailed, cause.Error()
	}
	return saveRun(ctx, w.env, r, event)
}

// failPushed fails every type still waiting when the run of the backfill
// under key failed (Garmin's 403 without the history permission, a
// revoked connection); the caller ends the run.
func (w *Worker) failPushed(ctx context.Context, key string, cause error, now time.Time) {
	w.backfillMu.Lock()
	defer w.backfillMu.Unlock()
	b, ok := w.env.Tables.Backfills.Get(key)
	if !ok || !b.Active() {
		return
	}
	b.Types = slices.Clone(b.Types)
	for i := range b.Types {
		if waiting(b.Types[i].Status) {
			b.Types[i].Status, b.Types[i].DoneAt, b.Types[i].Error = schemas.TypeFailed, now, cause.Error()
		}
	}
	b.Status, b.UpdatedAt = schemas.BackfillComplete, now
	if err := w.env.Tables.Backfills.Put(ctx, key, b); err != nil {
		w.logger.Warn("cannot record the failed backfill", "connection", key, "err", err)
	}
}

// handleBackfillJob runs a delivered, retry or cancel job.
func (w *Worker) handleBackfillJob(ctx context.Context, p ingest.Provider, j schemas.IngestJob) error {
	key := schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider)
	now := time.Now().UTC().Truncate(time.Millisecond)
	switch j.Kind {
	case JobDelivered:
		return w.updateBackfill(ctx, key, now, func(b *schemas.Backfill) bool {
			i := b.Type(j.DataType)
			if !b.Active() || i < 0 || (b.Types[i].Status != schemas.TypeTriggered && b.Types[i].Status != schemas.TypeTimedOut) {
				return false
			}
			b.Types[i].Status, b.Types[i].DoneAt, b.Types[i].Error = schemas.TypeSuccess, now, ""
			return true
		})
	case JobBackfillCancel:
		w.backfillMu.Lock()
		defer w.backfillMu.Unlock()
		b, ok := w.env.Tables.Backfills.Get(key)
		if !ok || !b.Active() {
			return nil
		}
		b.Types = slices.Clone(b.Types)
		for i := range b.Types {
			if waiting(b.Types[i].Status) {
				b.Types[i].Status, b.Types[i].DoneAt = schemas.TypeCancelled, now
			}
		}
		b.Status, b.UpdatedAt = schemas.BackfillCancelled, now
		if err := w.endRun(ctx, b, now, errors.New("cancelled")); err != nil {
			return err
		}
		return w.env.Tables.Backfills.Put(ctx, key, b)
	case JobBackfillRetry:
		return w.retryType(ctx, p, j, now)
	}
	return fmt.Errorf("%w: unknown job kind %q", errUnrunnable, j.Kind)
}

// retryType requests one type of the user's backfill again.
func (w *Worker) retryType(ctx context.Context, p ingest.Provider, j schemas.IngestJob, now time.Time) error {
	key := schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider)
	b, ok := w.env.Tables.Backfills.Get(key)
	if !ok || b.Type(j.DataType) < 0 {
		return nil
	}
	if j.RunID != "" && j.RunID != b.RunID {
		// A retry by hand of an ended backfill is a new run.
		run := runOf(w.env, schemas.IngestJob{RunID: j.RunID, Tenant: j.Tenant, UserID: j.UserID, Provider: j.Provider, Kind: ingest.TaskBackfill}, now)
		if err := saveRun(ctx, w.env, run, schemas.EventSyncStarted); err != nil {
			return err
		}
	}
	err := w.updateBackfill(ctx, key, now, func(b *schemas.Backfill) bool {
		if j.RunID != "" {
			b.RunID = j.RunID
		}
		i := b.Type(j.DataType)
		b.Types[i].Status, b.Types[i].DoneAt, b.Types[i].Error = schemas.TypePending, time.Time{}, ""
		if j.Reason == "manual" {
			b.Types[i].Attempts = 0
		}
		b.Status = schemas.BackfillRetrying
		return true
	})
	if err != nil {
		return err
	}
	c, ok := w.env.Tables.Connections.Get(key)
	if !ok || c.Status != schemas.ConnectionActive {
		return w.requested(ctx, key, j.DataType, true, ErrRevoked, now)
	}
	s, err := Session(ctx, w.env, w.http, w.limiters[p.Name], p, c)
	if err == nil {
		_, err = p.Fetch(ctx, s, ingest.Task{Kind: ingest.TaskBackfill, DataType: j.DataType, Start: b.WindowStart, End: b.WindowEnd})
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return w.requested(ctx, key, j.DataType, true, err, now)
}

// sweepBackfills times out the requested types of the backfills of users
// this worker owns that waited longer than the backfill timeout, and
// requests the timed-out ones again once nothing else waits.
func (w *Worker) sweepBackfills(ctx context.Context, now time.Time) {
	topic := w.env.Topics.IngestJobs()
	var keys []string
	w.mu.Lock()
	n := w.partitions
	w.env.Tables.Backfills.Range(func(key string, b schemas.Backfill) bool {
		if b.Active() && n > 0 && w.owned[PartitionOf(topic, b.UserID, n)] {
			keys = append(keys, key)
		}
		return true
	})
	w.mu.Unlock()
	for _, key := range keys {
		var retry []schemas.IngestJob
		err := w.updateBackfill(ctx, key, now, func(b *schemas.Backfill) bool {
			changed := false
			for i := range b.Types {
				t := &b.Types[i]
				if t.Status != schemas.TypeTriggered || now.Sub(t.TriggeredAt) < w.backfillTimeout {
					continue
				}
				changed = true
				if t.Attempts >= BackfillAttempts {
					t.Status, t.DoneAt = schemas.TypeFailed, now
					t.Error = fmt.Sprintf("no data pushed within %s of any of %d requests", w.backfillTimeout, t.Attempts)
				} else {
					t.Status = schemas.TypeTimedOut
				}
			}
			if slices.ContainsFunc(b.Types, func(t schemas.BackfillType) bool {
				return t.Status == schemas.TypePending || t.Status == schemas.TypeTriggered
			}) {
				return changed
			}
			for i := range b.Types {
				if t := &b.Types[i]; t.Status == schemas.TypeTimedOut {
					t.Status = schemas.TypePending // requested again below
					b.Status = schemas.BackfillRetrying
					changed = true
					retry = append(retry, schemas.IngestJob{Tenant: b.Tenant, UserID: b.UserID, Provider: b.Provider, Kind: JobBackfillRetry, DataType: t.Name})
				}
			}
			return changed
		})
		if err != nil {
			w.logger.Warn("cannot update backfill", "connection", key, "err", err)
			continue
		}
		for _, j := range retry {
			if err := Enqueue(ctx, w.env, j); err != nil {
				w.logger.Warn("cannot queue backfill retry", "connection", key, "type", j.DataType, "err", err)
			}
		}
	}
}
