// Package processors turns raw events into canonical records.
//
// The processor consumes every raw topic in a consumer group and, for each
// polled batch, runs one Kafka transaction: the canonical records it made,
// the dead letters of what it could not read, and the consumed offsets are
// committed together or not at all (franz-go's GroupTransactSession, KIP-447
// fencing by group generation). Downstream readers use read_committed, so a
// crash at any moment neither loses nor duplicates a canonical record.
//
// A raw event that cannot be decoded or normalised goes to the dead-letter
// topic with the reason; it never stops the partition. The state it keeps
// (the recent sleep of each user, sleep.go; the fingerprints that tell
// created, updated, deleted and unchanged records apart, records.go) lives
// in changelog topics written in the same transactions and read back before
// a partition is processed (changelog.go), so nothing is kept that Kafka
// does not hold.
package processors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/kafka"
	"github.com/wearstream/wearstream/schemas"
)

// Group is the consumer group of the processors.
const Group = "wearstream-processors"

// Stage names the processor in dead letters.
const Stage = "process"

// Config configures a Processor.
type Config struct {
	Brokers []string
	Topics  schemas.Topics
	Serde   *schemas.Serde
	Logger  *slog.Logger
	// MaxRecordBytes is the largest record to fetch (raw bodies can be big).
	MaxRecordBytes int32
	// MaxBatchBytes bounds a produced record batch; it must not exceed the
	// max.message.bytes of any topic the processor writes (franz-go's
	// default of about 1 MB when zero).
	MaxBatchBytes int32
	// MaxProduceAttempts is how often a raw event's records may be
	// refused by Kafka before it is dead-lettered
	// (DefaultMaxProduceAttempts when zero).
	MaxProduceAttempts int
	// InstanceID names this processor instance, stable across restarts
	// (the host name when empty): its transactional id derives from it,
	// so a restarted instance fences its predecessor's open transaction
	// at once instead of waiting for it to time out.
	InstanceID string
	// Compression is the codec of produced batches
	// (WEARSTREAM_KAFKA_COMPRESSION; gzip when empty).
	Compression string
	// MaxTrackedRecords bounds the workouts and sleep sessions remembered
	// per raw partition (DefaultMaxTrackedRecords when zero).
	MaxTrackedRecords int
	// Erasures is the erasure list; raw events it covers emit nothing
	// (erasures.go). Nil erases nothing.
	Erasures Erasures
	// ExtraOpts are appended to the client options (tests use them).
	ExtraOpts []kgo.Opt
}

// Stats counts what a processor did.
type Stats struct {
	RawEvents   atomic.Int64
	Records     atomic.Int64
	DeadLetters atomic.Int64
	Skipped     atomic.Int64
	Aborted     atomic.Int64
	// Unchanged counts workouts and sleep sessions not emitted because
	// they said nothing new (a re-delivery, or an older version).
	Unchanged atomic.Int64
}

// Processor is one member of the processor group.
type Processor struct {
	cfg      Config
	sess     *kgo.GroupTransactSession
	stats    Stats
	sleep    *changelog[*schemas.SleepState]
	records  *changelog[tracked]
	failures *refusals
	// isolate makes the next transaction flush after each raw event,
	// after one whose refused records came from several raw events.
	isolate bool
}

// New creates a processor and joins the group.
func New(cfg Config) (*Processor, error) {
	if cfg.MaxRecordBytes <= 0 {
		cfg.MaxRecordBytes = 64 << 20
	}
	if cfg.MaxTrackedRecords <= 0 {
		cfg.MaxTrackedRecords = DefaultMaxTrackedRecords
	}
	if cfg.InstanceID == "" {
		cfg.InstanceID, _ = os.Hostname()
	}
	sleep := newChangelog(cfg.Topics.State(schemas.StateSleepOpen), cfg.Brokers, func(b []byte) (*schemas.SleepState, error) {
		st := new(schemas.SleepState)
		return st, cfg.Serde.Decode(b, st)
	})
	records := newChangelog(cfg.Topics.State(schemas.StateRecords), cfg.Brokers, decodeTracked(cfg.Serde))
	forget := func(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
		sleep.forget(cfg.Topics.RawPrefix(), parts)
		records.forget(cfg.Topics.RawPrefix(), parts)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		// Each instance keeps its transactional id across restarts, so a
		// restarted instance fences its predecessor and aborts the
		// transaction the predecessor left open at once. Fencing of
		// zombies during rebalances comes from the group generation
		// (KIP-447). Two live instances must never share an id.
		kgo.TransactionalID("wearstream-process-" + cfg.InstanceID),
		kgo.TransactionTimeout(60 * time.Second),
		kgo.ConsumerGroup(Group),
		// Static membership: a restarted instance takes its partitions
		// back at once instead of after the session timeout.
		kgo.InstanceID("wearstream-process-" + cfg.InstanceID),
		kgo.ConsumeRegex(),
		kgo.ConsumeTopics("^" + regexp.QuoteMeta(cfg.Topics.RawPrefix()) + ".+"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		kgo.FetchMaxPartitionBytes(cfg.MaxRecordBytes),
		kgo.FetchMaxBytes(cfg.MaxRecordBytes),
		kgo.MetadataMaxAge(30 * time.Second),
		kafka.Compression(cfg.Compression),
		kgo.RecordPartitioner(changelogPartitioner{
			changelogs: []string{sleep.topic, records.topic},
			fallback:   kgo.UniformBytesPartitioner(64<<10, true, true, nil),
		}),
		kgo.OnPartitionsRevoked(forget),
		kgo.OnPartitionsLost(forget),
	}
	if cfg.MaxBatchBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(cfg.MaxBatchBytes))
	}
	opts = append(opts, cfg.ExtraOpts...)
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create processor session: %w", err)
	}
	// The client asks for its producer id only when it first produces,
	// but a predecessor killed inside a transaction left that
	// transaction's offsets pending, and until it ends the group's offsets
	// are unstable: this instance would never fetch a record to produce,
	// and wait for the transaction timeout. Asking now fences the
	// predecessor (same transactional id) and aborts its transaction.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := sess.Client().ProducerID(ctx); err != nil {
		sess.Close()
		return nil, fmt.Errorf("cannot initialise the processor's transactional id: %w", err)
	}
	return &Processor{cfg: cfg, sess: sess, sleep: sleep, records: records, failures: newRefusals(cfg.MaxProduceAttempts)}, nil
}

// Stats returns the processor's counters.
func (p *Processor) Stats() *Stats { return &p.stats }

// Run processes until ctx ends.
func (p *Processor) Run(ctx context.Context) error {
	defer p.sess.Close()
	for {
		// A bounded poll keeps each transaction small, so that canonical
		// records become visible to read_committed readers steadily.
		fetches := p.sess.PollRecords(ctx, maxRecordsPerTransaction)
		if ctx.Err() != nil {
			return nil
		}
		if fetches.IsClientClosed() {
			return errors.New("processor client closed")
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			p.cfg.Logger.Warn("fetch error", "topic", topic, "partition", partition, "err", err)
		})
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := p.processBatch(ctx, fetches); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.cfg.Logger.Error("transaction failed; the batch will be processed again", "err", err)
			time.Sleep(time.Second)
		}
	}
}

func (p *Processor) processBatch(ctx context.Context, fetches kgo.Fetches) error {
	if err := p.sess.Begin(); err != nil {
		return fmt.Errorf("cannot begin transaction: %w", err)
	}
	// Every produce result is kept, with the raw record it came from:
	// the decision to commit is taken from all of them after the flush.
	results := newProduceResults()
	produce := func(from *kgo.Record, r *kgo.Record) {
		p.sess.Produce(ctx, r, func(r *kgo.Record, err error) { results.done(from, r, err) })
	}
	isolate := p.isolate
	var raws, records, dead, skipped, unchanged int64
	rawsByTopic, outByTopic, deadByReason := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, prep := range p.normalizeAll(fetches.Records()) {
		r := prep.record
		raws++
		rawsByTopic[r.Topic]++
		var out []*kgo.Record
		var n, same int
		// A raw event whose records Kafka refused too often is
		// dead-lettered with Kafka's reason, before emit changes any
		// state for it.
		err := p.failures.deadLetterCause(r)
		if err == nil {
			out, n, same, err = p.emit(prep)
		}
		if errors.Is(err, errRestore) {
			results.fail(err)
			break
		}
		if err != nil {
			dl, derr := p.deadLetter(r, err)
			if derr != nil {
				results.fail(derr)
				break
			}
			produce(r, dl)
			dead++
			deadByReason[deadLetterReason(err)]++
			outByTopic[dl.Topic]++
		} else {
			skipped += int64(n)
			unchanged += int64(same)
			for _, o := range out {
				produce(r, o)
				outByTopic[o.Topic]++
			}
			records += int64(len(out))
		}
		if isolate {
			// Recovering from a refused record: flush after each raw
			// event, so that a refusal names its raw event alone.
			if err := p.sess.Client().Flush(ctx); err != nil {
				results.fail(err)
			}
			if results.failed() {
				break
			}
		}
	}
	// Flush first, then decide from every produce result: a record that
	// failed while being flushed must abort the transaction too.
	if err := p.sess.Client().Flush(ctx); err != nil {
		results.fail(err)
	}
	commit := kgo.TryCommit
	if results.failed() {
		commit = kgo.TryAbort
	}
	committed, err := p.sess.End(ctx, commit)
	if err != nil || !committed {
		// The state may hold changes of this batch: forget it, the next
		// batch reads the changelogs again.
		p.sleep.reset()
		p.records.reset()
		transactions.WithLabelValues("aborted").Inc()
		p.stats.Aborted.Add(1)
	}
	if err != nil {
		return fmt.Errorf("cannot end transaction: %w", err)
	}
	if !committed {
		cause := results.err()
		if cause == nil {
			return errors.New("transaction aborted (group rebalanced)")
		}
		// Records that Kafka refused for what they are (too large,
		// invalid) are held against the raw event they came from; when
		// several raw events are suspects, the next attempt flushes
		// after each one to tell which.
		suspects := results.refusedFrom()
		switch {
		case len(suspects) == 1 || isolate && len(suspects) > 0:
			p.failures.hold(suspects[0], results.refusal(suspects[0]))
		case len(suspects) > 1:
			p.isolate = true
		}
		return fmt.Errorf("aborted after a produce error: %w", cause)
	}
	p.isolate = false
	p.failures.committed(fetches.Records())
	p.countCommitted(rawsByTopic, outByTopic, deadByReason)
	p.stats.RawEvents.Add(raws)
	p.stats.Records.Add(records)
	p.stats.DeadLetters.Add(dead)
	p.stats.Skipped.Add(skipped)
	p.stats.Unchanged.Add(unchanged)
	return nil
}

// maxRecordsPerTransaction bounds the raw events of one transaction.
const maxRecordsPerTransaction = 256

// normalized is a raw record with what its normaliser made of it.
type normalized struct {
	record *kgo.Record
	raw    schemas.RawEvent
	recs   ingest.Records
	err    error
}

// normalizeAll decodes and normalises records on every core: normalising
// is pure and by far the costliest step. The result keeps the input order,
// and everything that depends on order (sleep stitching, producing) then
// runs in that order.
func (p *Processor) normalizeAll(records []*kgo.Record) []normalized {
	out := make([]normalized, len(records))
	workers := min(runtime.GOMAXPROCS(0), len(records))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(records); i = int(next.Add(1) - 1) {
				out[i] = p.normalize(records[i])
			}
		}()
	}
	wg.Wait()
	return out
}

func (p *Processor) normalize(r *kgo.Record) normalized {
	n := normalized{record: r}
	if err := p.cfg.Serde.Decode(r.Value, &n.raw); err != nil {
		n.err = fmt.Errorf("%w: %w", errDecode, err)
	} else {
		n.recs, n.err = Normalize(n.raw)
	}
	return n
}

// Process turns one raw record into the canonical records to produce. The
// int is the number of input items skipped (unknown types, invalid items).
func (p *Processor) Process(r *kgo.Record) ([]*kgo.Record, int, error) {
	out, skipped, _, err := p.emit(p.normalize(r))
	return out, skipped, err
}

// rawPartition is the raw partition a raw record came from.
func (p *Processor) rawPartition(r *kgo.Record) rawPartition {
	return rawPartition{strings.TrimPrefix(r.Topic, p.cfg.Topics.RawPrefix()), r.Partition}
}

// emit stitches sleep, tells created, updated, deleted and unchanged
// records apart, and encodes the canonical records of one normalised raw
// record, in the order the records were consumed. The ints are the input
// items skipped and the records not emitted because nothing changed.
func (p *Processor) emit(n normalized) ([]*kgo.Record, int, int, error) {
	if n.err != nil {
		return nil, 0, 0, n.err
	}
	if p.erased(n.raw) {
		return nil, 0, 0, nil
	}
	r, raw, recs := n.record, n.raw, n.recs
	skipped, unchanged := 0, 0
	for reason, n := range recs.Skipped {
		skipped += n
		p.cfg.Logger.Debug("skipped input items", "provider", raw.Provider, "raw_event_id", raw.ID, "reason", reason, "count", n)
	}
	out := make([]*kgo.Record, 0, recs.Len())
	add := func(topic, key string, v any) error {
		value, err := p.cfg.Serde.Encode(v)
		if err != nil {
			return err
		}
		out = append(out, &kgo.Record{Topic: topic, Key: []byte(key), Value: value})
		return nil
	}
	tp := p.rawPartition(r)
	// revise sets a record's change and version, or says to drop it; the
	// changelog record goes out with the canonical one.
	revise := func(rev revision, change *string, version *int64) (bool, error) {
		c, v, state, err := p.revise(tp, rev)
		if err != nil {
			return false, err
		}
		if c == "" {
			unchanged++
			return false, nil
		}
		*change, *version = c, v
		if state != nil {
			out = append(out, state)
		}
		return true, nil
	}
	// Range deletions apply to what was emitted before this raw event.
	dels, err := p.rangeDeletes(tp, raw, recs.Deletions)
	if err != nil {
		return nil, 0, 0, err
	}
	recs.Workouts = append(dels.workouts, recs.Workouts...)
	t := p.cfg.Topics
	for _, batches := range [][]schemas.SampleBatch{dels.samples, recs.Samples} {
		for i := range batches {
			parts, err := p.sampleRecords(t.Samples(), batches[i])
			if err != nil {
				return nil, 0, 0, err
			}
			out = append(out, parts...)
		}
	}
	for i := range recs.Workouts {
		w := &recs.Workouts[i]
		ok, err := revise(withSpan(workoutRevision(*w), recs.Spans), &w.Change, &w.Version)
		if err != nil {
			return nil, 0, 0, err
		}
		if !ok {
			continue
		}
		if err := add(t.Workouts(), w.UserID, *w); err != nil {
			return nil, 0, 0, err
		}
	}
	if len(recs.SleepSegments) > 0 && raw.UserID != "" {
		sessions, changelog, err := p.stitchSleep(r, raw, recs.SleepSegments)
		if err != nil {
			return nil, 0, 0, err
		}
		recs.Sleep = sessions
		out = append(out, changelog)
	}
	recs.Sleep = append(dels.sleep, recs.Sleep...)
	for i := range recs.Sleep {
		s := &recs.Sleep[i]
		ok, err := revise(withSpan(sleepRevision(*s), recs.Spans), &s.Change, &s.Version)
		if err != nil {
			return nil, 0, 0, err
		}
		if !ok {
			continue
		}
		if err := add(t.Sleep(), s.UserID, *s); err != nil {
			return nil, 0, 0, err
		}
	}
	scores, err := p.sleepScores(tp, recs.Sleep, &recs.Spans)
	if err != nil {
		return nil, 0, 0, err
	}
	recs.Summaries = append(recs.Summaries, scores...)
	for i := range recs.Summaries {
		s := &recs.Summaries[i]
		ok, err := revise(withSpan(summaryRevision(*s), recs.Spans), &s.Change, &s.Version)
		if err != nil {
			return nil, 0, 0, err
		}
		if !ok {
			continue
		}
		if err := add(t.Summaries(), s.UserID, *s); err != nil {
			return nil, 0, 0, err
		}
	}
	out = append(out, p.evict(tp)...)
	return out, skipped, unchanged, nil
}

// Normalize runs the raw event's provider normaliser: the one code path
// shared by the processor and the `wearstream normalize` command.
func Normalize(raw schemas.RawEvent) (ingest.Records, error) {
	contentType := mediaType(raw.ContentType)
	normalize, ok := ingest.LookupFormat(raw.Provider, contentType)
	if !ok {
		provider, found := ingest.Lookup(raw.Provider)
		if !found || provider.Normalize == nil {
			return ingest.Records{}, fmt.Errorf("no normaliser for provider %q", raw.Provider)
		}
		normalize = provider.Normalize
	}
	recs, err := normalize(ingest.Context{
		Tenant:      raw.Tenant,
		UserID:      raw.UserID,
		Provider:    raw.Provider,
		RawEventID:  raw.ID,
		ReceivedAt:  raw.ReceivedAt,
		Kind:        raw.Kind,
		ContentType: contentType,
	}, raw.Body)
	if err != nil {
		return ingest.Records{}, fmt.Errorf("cannot normalise %s event %s: %w", raw.Provider, raw.ID, err)
	}
	return recs, nil
}

// mediaType is a content type without its parameters, lower-cased
// ("application/json; charset=utf-8" → "application/json").
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

func (p *Processor) deadLetter(r *kgo.Record, cause error) (*kgo.Record, error) {
	p.cfg.Logger.Warn("dead-lettering raw record", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "err", cause)
	value, err := p.cfg.Serde.Encode(schemas.DeadLetter{
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Key:       r.Key,
		Value:     r.Value,
		Stage:     Stage,
		Error:     cause.Error(),
		FailedAt:  time.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: p.cfg.Topics.DLQ(), Key: r.Key, Value: value}, nil
}
