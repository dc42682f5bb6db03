package jobs

// Scheduling. Each worker schedules the connections whose user id hashes
// (as Kafka's default partitioner hashes record keys) to a partition of the
// jobs topic it owns: when a pull-capable connection's cursor is a poll
// interval old it enqueues a poll from the cursor to now (unless its tenant
// disabled the provider or set it to webhook mode), and when a token
// expires within a tick and five minutes it enqueues a refresh, so tokens
// stay fresh for providers that are only pushed to (Garmin). A rebalance
// moves the scheduling with the partitions; nothing else coordinates.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

var keyPartitioner = kgo.StickyKeyPartitioner(nil)

// PartitionOf is the partition of the jobs topic, of n, that userID's jobs go to.
func PartitionOf(topic, userID string, n int) int32 {
	return int32(keyPartitioner.ForTopic(topic).Partition(&kgo.Record{Key: []byte(userID)}, n))
}

func (w *Worker) schedule(ctx context.Context) {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.scheduleDue(ctx, time.Now())
			w.sweepBackfills(ctx, time.Now().UTC().Truncate(time.Millisecond))
			w.maintainDue(ctx, time.Now())
			w.registerDue(ctx, time.Now().UTC().Truncate(time.Millisecond))
		}
	}
}

// scheduleDue enqueues the polls and refreshes that are due among the
// connections this worker owns.
func (w *Worker) scheduleDue(ctx context.Context, now time.Time) {
	topic := w.env.Topics.IngestJobs()
	interval := w.env.Config.PollInterval
	var due []schemas.IngestJob
	w.mu.Lock()
	n := w.partitions
	w.env.Tables.Connections.Range(func(key string, c schemas.Connection) bool {
		if c.Status != schemas.ConnectionActive || n == 0 || !w.owned[PartitionOf(topic, c.UserID, n)] {
			return true
		}
		p, ok := ingest.Lookup(c.Provider)
		if !ok {
			return true
		}
		if Polled(w.env, c.Tenant, p) && now.Sub(c.LastSyncedAt) >= interval && now.Sub(w.scheduled[key+"/poll"]) >= interval {
			w.scheduled[key+"/poll"] = now
			start := c.LastSyncedAt
			if start.Unix() <= 0 {
				start = c.CreatedAt
			}
			due = append(due, schemas.IngestJob{
				Tenant: c.Tenant, UserID: c.UserID, Provider: c.Provider, Kind: ingest.TaskPoll,
				RunID: NewRunID(), WindowStart: start, WindowEnd: now.UTC().Truncate(time.Millisecond),
			})
		}
		if len(c.RefreshTokenEnc) > 0 && c.ExpiresAt.Unix() > 0 && c.ExpiresAt.Sub(now) < refreshAhead+w.tick &&
			now.Sub(w.scheduled[key+"/refresh"]) >= refreshAhead {
			w.scheduled[key+"/refresh"] = now
			due = append(due, schemas.IngestJob{Tenant: c.Tenant, UserID: c.UserID, Provider: c.Provider, Kind: JobRefresh})
		}
		return true
	})
	w.mu.Unlock()
	for _, j := range due {
		if err := Enqueue(ctx, w.env, j); err != nil {
			w.logger.Warn("cannot schedule ingest job", "kind", j.Kind, "user_id", j.UserID, "err", err)
		}
	}
}

// StartBackfill enqueues the history fetch of a new connection c: the last
// WEARSTREAM_BACKFILL_DAYS days, capped by the provider's maximum. It
// returns the run id, or "" when the provider has nothing to backfill.
func StartBackfill(ctx context.Context, env *app.Env, p ingest.Provider, c schemas.Connection, now time.Time) (string, error) {
	days := env.Config.BackfillDays
	if m := p.Capabilities.MaxHistoricalDays; m > 0 && days > m {
		days = m
	}
	end := now.UTC().Truncate(time.Millisecond)
	return start(ctx, env, p, c, ingest.TaskBackfill, end.AddDate(0, 0, -days), end)
}

// StartHistory enqueues a backfill of c's last days days, capped by the
// provider's maximum (Garmin's 30), and returns the run id and the window.
func StartHistory(ctx context.Context, env *app.Env, p ingest.Provider, c schemas.Connection, days int, now time.Time) (run string, from, to time.Time, err error) {
	if m := p.Capabilities.MaxHistoricalDays; m > 0 && days > m {
		days = m
	}
	to = now.UTC().Truncate(time.Millisecond)
	from = to.AddDate(0, 0, -days)
	run, err = start(ctx, env, p, c, ingest.TaskBackfill, from, to)
	return run, from, to, err
}

// StartPoll enqueues a poll of c from its cursor to now and returns the run
// id, or "" when the provider is not polled.
func StartPoll(ctx context.Context, env *app.Env, p ingest.Provider, c schemas.Connection, now time.Time) (string, error) {
	if !p.Pulls() {
		return "", nil
	}
	from := c.LastSyncedAt
	if from.Unix() <= 0 {
		from = c.CreatedAt
	}
	return start(ctx, env, p, c, ingest.TaskPoll, from, now.UTC().Truncate(time.Millisecond))
}

func start(ctx context.Context, env *app.Env, p ingest.Provider, c schemas.Connection, kind string, from, to time.Time) (string, error) {
	if p.Plan == nil || p.Fetch == nil || !from.Before(to) || len(p.Plan(kind, from, to)) == 0 {
		return "", nil
	}
	run := NewRunID()
	err := Enqueue(ctx, env, schemas.IngestJob{
		Tenant: c.Tenant, UserID: c.UserID, Provider: c.Provider, Kind: kind, RunID: run,
		WindowStart: from, WindowEnd: to,
	})
	return run, err
}
