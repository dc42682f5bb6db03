package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// The sink's delivery rule: offsets are committed only after ClickHouse
// accepted every record polled before the commit, so a crash at any point
// re-delivers, and never skips, data. Re-delivered rows have the same keys
// and versions and collapse under FINAL. A failed insert is retried with
// backoff, forever: the sink stalls rather than dropping or skipping data.
// Records that can never be inserted (undecodable, malformed ids) are handed
// to OnBadRecord (which dead-letters them) and skipped, so they cannot stall
// a partition; but an offset past a bad record is committed only once
// OnBadRecord returned nil for it. A dead letter Kafka refuses is retried
// with the same backoff as an insert: the sink stalls rather than leave a
// silent gap.
//
// The client blocks rebalances from each poll until the batch is written and
// committed, so no partition moves to another member with records written
// here but not committed.

const (
	defaultBatchRows  = 50_000
	defaultBatchWait  = time.Second
	minRetryBackoff   = 100 * time.Millisecond
	maxRetryBackoff   = 30 * time.Second
	shutdownFlushTime = 30 * time.Second
)

// Config configures a Sink.
type Config struct {
	// Client is a consumer-group client on the canonical topics, built with
	// kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll() and
	// kgo.FetchIsolationLevel(kgo.ReadCommitted()).
	Client *kgo.Client
	// Decode turns a record value into *schemas.SampleBatch,
	// *schemas.Workout, *schemas.Sleep, *schemas.Summary or
	// *schemas.Attempt (a delivery-log entry) or *schemas.AuditEvent (an
	// audit-log entry), or the same types as values.
	Decode func(topic string, value []byte) (any, error)
	// Writer inserts the batches.
	Writer *Writer
	// BatchRows flushes once this many rows (samples, workouts and sleep
	// sessions) are pending; default 50,000.
	BatchRows int
	// BatchWait flushes once the oldest pending record is this old; default 1 s.
	BatchWait time.Duration
	// Logger receives flush, retry and bad-record events; nil discards them.
	Logger *slog.Logger
	// OnBadRecord receives each record that cannot be decoded or inserted,
	// and returns nil only once the record is safe (dead-lettered): its
	// offset is committed with the next batch. An error keeps every offset
	// of the batch uncommitted, and the record is handed over again. Nil
	// logs and skips bad records.
	OnBadRecord func(ctx context.Context, rec *kgo.Record, err error) error
	// Erasures is the erasure list: nothing of an erased user is written,
	// and their rows are deleted (erase.go). Nil erases nothing.
	Erasures Erasures
	// Retention returns every tenant's retention setting; old samples
	// are deleted hourly (retention.go). Nil keeps everything.
	Retention func() []schemas.Retention
}

// Stats are the sink's counters since it was created.
type Stats struct {
	// Samples, Workouts, Sleep and Summaries count the rows written to each table.
	Samples, Workouts, Sleep, Summaries uint64
	// SampleDeletions counts the deleting sample batches applied.
	SampleDeletions uint64
	// Attempts counts the webhook delivery attempts written to the delivery log.
	Attempts uint64
	// AuditEvents counts the audit events written to the audit log.
	AuditEvents uint64
	// Records counts the Kafka records written.
	Records uint64
	// Batches counts successful flushes that wrote rows.
	Batches uint64
	// BadRecords counts records handed to OnBadRecord.
	BadRecords uint64
	// BadRecordRetries counts OnBadRecord calls that failed and were retried.
	BadRecordRetries uint64
	// Retries counts failed inserts that were retried.
	Retries uint64
	// CommitErrors counts offset commits that failed (the next commit covers them).
	CommitErrors uint64
	// PendingRows counts rows polled and waiting for the next flush.
	PendingRows int
	// LastFlush is when the last batch was written; zero before the first.
	LastFlush time.Time
	// LastFlushRows and LastFlushTook describe that batch.
	LastFlushRows int
	// LastFlushTook is how long writing that batch took, retries included.
	LastFlushTook time.Duration
}

// Rows returns the total rows written to all tables.
func (s Stats) Rows() uint64 { return s.Samples + s.Workouts + s.Sleep + s.Summaries }

// Sink consumes canonical records from Kafka and writes them to ClickHouse.
type Sink struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	stats Stats

	// The batch in progress; only Run touches it.
	pending   Rows
	unsettled []badRecord // bad records not yet dead-lettered
	records   int         // Kafka records in pending
	rows      int         // table rows in pending
	uncommit  bool        // records were polled since the last commit
	oldest    time.Time   // when the first uncommitted record was polled

	// The erasures applied (erase.go): the list's generation, each
	// erasure's time by key, and when to try again after a failure.
	erasedGen  uint64
	erasedAt   map[string]time.Time
	eraseAfter time.Time
	// retentionDue is when the retention settings are applied next.
	retentionDue time.Time
}

// New returns a Sink for cfg, filling in defaults.
func New(cfg Config) *Sink {
	if cfg.BatchRows <= 0 {
		cfg.BatchRows = defaultBatchRows
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = defaultBatchWait
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sink{cfg: cfg, log: cfg.Logger, erasedAt: map[string]time.Time{}}
}

// Stats returns a snapshot of the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Run consumes until ctx is done or the client is closed. On cancellation it
// makes one bounded attempt to write and commit what it holds, then returns
// nil; anything not written is re-delivered to the next consumer.
func (s *Sink) Run(ctx context.Context) error {
	if s.cfg.Client == nil || s.cfg.Decode == nil || s.cfg.Writer == nil {
		return errors.New("cannot run the clickhouse sink: Client, Decode and Writer are required")
	}
	for {
		fetches := s.poll(ctx)
		if fetches.IsClientClosed() {
			return errors.New("cannot consume: the kafka client was closed")
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return
			}
			s.log.Warn("kafka fetch error", "topic", topic, "partition", partition, "err", err)
		})
		fetches.EachRecord(s.add)

		if ctx.Err() != nil {
			return s.shutdown()
		}
		if s.uncommit && (s.rows >= s.cfg.BatchRows || time.Since(s.oldest) >= s.cfg.BatchWait) {
			if err := s.flush(ctx); err != nil {
				if ctx.Err() != nil {
					return s.shutdown()
				}
				return err
			}
		}
		s.applyRetention(ctx)
		if err := s.applyErasures(ctx); err != nil {
			if ctx.Err() != nil {
				return s.shutdown()
			}
			return err
		}
		if !s.uncommit {
			s.cfg.Client.AllowRebalance()
		}
	}
}

// maxPollRecords bounds one poll, so that a batch overshoots BatchRows by
// at most that many records rather than by a whole fetch.
const maxPollRecords = 500

// poll waits for records, but no longer than the pending batch may wait.
func (s *Sink) poll(ctx context.Context) kgo.Fetches {
	if !s.uncommit && s.cfg.Erasures == nil {
		return s.cfg.Client.PollRecords(ctx, maxPollRecords)
	}
	if !s.uncommit {
		// Idle: wake up now and then to apply new erasures.
		pctx, cancel := context.WithTimeout(ctx, eraseCheck)
		defer cancel()
		return s.cfg.Client.PollRecords(pctx, maxPollRecords)
	}
	pctx, cancel := context.WithDeadline(ctx, s.oldest.Add(s.cfg.BatchWait))
	defer cancel()
	return s.cfg.Client.PollRecords(pctx, maxPollRecords)
}

// add decodes one record into the pending batch, or hands it to OnBadRecord.
func (s *Sink) add(rec *kgo.Record) {
	if !s.uncommit {
		s.uncommit, s.oldest = true, time.Now()
	}
	v, err := s.cfg.Decode(rec.Topic, rec.Value)
	if err != nil {
		s.bad(rec, fmt.Errorf("cannot decode: %w", err))
		return
	}
	switch r := v.(type) { // accept values as well as pointers
	case schemas.SampleBatch:
		v = &r
	case schemas.Workout:
		v = &r
	case schemas.Sleep:
		v = &r
	case schemas.Summary:
		v = &r
	case schemas.Attempt:
		v = &r
	case schemas.AuditEvent:
		v = &r
	}
	if err := check(v); err != nil {
		s.bad(rec, err)
		return
	}
	if s.cfg.Erasures != nil && erased(s.cfg.Erasures, v) {
		return // its offset is committed with the batch
	}
	switch r := v.(type) {
	case *schemas.SampleBatch:
		s.pending.Samples = append(s.pending.Samples, *r)
		s.rows += len(r.Samples)
		if r.Deletion != nil {
			s.rows++ // a deletion is one statement to run
		}
	case *schemas.Workout:
		s.pending.Workouts = append(s.pending.Workouts, *r)
		s.rows++
	case *schemas.Sleep:
		s.pending.Sleep = append(s.pending.Sleep, *r)
		s.rows++
	case *schemas.Summary:
		s.pending.Summaries = append(s.pending.Summaries, *r)
		s.rows++
	case *schemas.Attempt:
		s.pending.Attempts = append(s.pending.Attempts, *r)
		s.rows++
	case *schemas.AuditEvent:
		s.pending.Audit = append(s.pending.Audit, *r)
		s.rows++
	}
	s.records++
	s.mu.Lock()
	s.stats.PendingRows = s.rows
	s.mu.Unlock()
}

// badRecord is a record to dead-letter before the next commit.
type badRecord struct {
	rec *kgo.Record
	err error
}

func (s *Sink) bad(rec *kgo.Record, err error) {
	s.mu.Lock()
	s.stats.BadRecords++
	s.mu.Unlock()
	if s.cfg.OnBadRecord != nil {
		s.unsettled = append(s.unsettled, badRecord{rec, err})
		return
	}
	s.log.Error("skipping bad record", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "err", err)
}

// settle hands every pending bad record to OnBadRecord, retrying with
// backoff until each was accepted or ctx is done.
func (s *Sink) settle(ctx context.Context) error {
	backoff := minRetryBackoff
	for len(s.unsettled) > 0 {
		b := s.unsettled[0]
		err := s.cfg.OnBadRecord(ctx, b.rec, b.err)
		if err == nil {
			s.unsettled[0] = badRecord{}
			s.unsettled = s.unsettled[1:]
			backoff = minRetryBackoff
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("cannot dead-letter bad record before shutdown: %w", err)
		}
		s.mu.Lock()
		s.stats.BadRecordRetries++
		s.mu.Unlock()
		wait := backoff/2 + rand.N(backoff/2+1)
		s.log.Warn("cannot dead-letter bad record, retrying", "topic", b.rec.Topic, "partition", b.rec.Partition, "offset", b.rec.Offset, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot dead-letter bad record before shutdown: %w", ctx.Err())
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
	return nil
}

// flush dead-letters the pending bad records and writes the pending batch,
// retrying until Kafka and ClickHouse accept them or ctx is done, then
// commits every polled offset and allows rebalancing.
func (s *Sink) flush(ctx context.Context) error {
	if err := s.settle(ctx); err != nil {
		return err
	}
	began := time.Now()
	rows := s.rows
	if rows > 0 {
		backoff := minRetryBackoff
		for {
			err := s.cfg.Writer.Write(ctx, s.pending)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("cannot write batch before shutdown: %w", err)
			}
			if errors.Is(err, ErrInvalid) {
				// Every record was checked on arrival, so this is a bug.
				return fmt.Errorf("cannot write batch: %w", err)
			}
			s.mu.Lock()
			s.stats.Retries++
			s.mu.Unlock()
			wait := backoff/2 + rand.N(backoff/2+1)
			s.log.Warn("clickhouse insert failed, retrying", "rows", rows, "in", wait, "err", err)
			select {
			case <-ctx.Done():
				return fmt.Errorf("cannot write batch before shutdown: %w", ctx.Err())
			case <-time.After(wait):
			}
			backoff = min(2*backoff, maxRetryBackoff)
		}
	}
	took := time.Since(began)
	s.mu.Lock()
	if rows > 0 {
		s.stats.Batches++
		s.stats.Records += uint64(s.records)
		for i := range s.pending.Samples {
			s.stats.Samples += uint64(len(s.pending.Samples[i].Samples))
			if s.pending.Samples[i].Deletion != nil {
				s.stats.SampleDeletions++
			}
		}
		s.stats.Workouts += uint64(len(s.pending.Workouts))
		s.stats.Sleep += uint64(len(s.pending.Sleep))
		s.stats.Summaries += uint64(len(s.pending.Summaries))
		s.stats.Attempts += uint64(len(s.pending.Attempts))
		s.stats.AuditEvents += uint64(len(s.pending.Audit))
		s.stats.LastFlush, s.stats.LastFlushRows, s.stats.LastFlushTook = time.Now(), rows, took
	}
	s.stats.PendingRows = 0
	s.mu.Unlock()
	if rows > 0 {
		s.log.Debug("clickhouse batch written", "rows", rows, "records", s.records, "took", took)
	}

	// Everything polled so far is now written or dead-lettered.
	if err := s.cfg.Client.CommitUncommittedOffsets(ctx); err != nil {
		// The rows are in ClickHouse; whoever re-reads them re-writes the
		// same keys, and the next commit covers these offsets.
		s.mu.Lock()
		s.stats.CommitErrors++
		s.mu.Unlock()
		s.log.Warn("cannot commit offsets", "err", err)
	}
	s.pending, s.unsettled = Rows{}, nil
	s.records, s.rows, s.uncommit = 0, 0, false
	s.cfg.Client.AllowRebalance()
	return nil
}

// shutdown makes one bounded attempt to write and commit the pending batch.
func (s *Sink) shutdown() error {
	defer s.cfg.Client.AllowRebalance()
	if !s.uncommit {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownFlushTime)
	defer cancel()
	if err := s.flush(ctx); err != nil {
		s.log.Warn("pending batch not written at shutdown; it will be consumed again", "rows", s.rows, "err", err)
	}
	return nil
}
