package processors

// Refused records. Kafka refuses some records for what they are (larger
// than the topic accepts, invalid): producing them again gives the same
// answer. The processor never commits a transaction in which any record
// failed; it aborts, and the raw records are consumed again. A refusal is
// held against the raw event whose records were refused, and after
// MaxProduceAttempts refusals that raw event goes to the dead-letter topic
// with Kafka's reason instead, so the partition moves on and nothing is
// dropped silently. Other failures (a broker away, a rebalance, fencing)
// count against no raw event: the batch is retried until it commits.

import (
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultMaxProduceAttempts is how often a raw event's records may be
// refused before the raw event is dead-lettered.
const DefaultMaxProduceAttempts = 3

// rawOffset identifies a raw record.
type rawOffset struct {
	topic     string
	partition int32
	offset    int64
}

func offsetOf(r *kgo.Record) rawOffset { return rawOffset{r.Topic, r.Partition, r.Offset} }

// refusedForContent says whether Kafka refused a record for what it is,
// so that producing it again cannot succeed.
func refusedForContent(err error) bool {
	for _, e := range []error{kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord,
		kerr.CorruptMessage, kerr.InvalidTimestamp, kerr.PolicyViolation} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// produceResults gathers the results of one transaction's produces.
type produceResults struct {
	mu      sync.Mutex
	first   error
	refused map[rawOffset]error // raw event → the first refusal of one of its records
	order   []rawOffset         // the raw events of refused, in order of refusal
}

func newProduceResults() *produceResults {
	return &produceResults{refused: map[rawOffset]error{}}
}

// done records the result of one produced record made from the raw record from.
func (p *produceResults) done(from, r *kgo.Record, err error) {
	if err == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == nil {
		p.first = fmt.Errorf("cannot produce to %s: %w", r.Topic, err)
	}
	if !refusedForContent(err) {
		return
	}
	k := offsetOf(from)
	if _, ok := p.refused[k]; !ok {
		p.refused[k] = fmt.Errorf("kafka refused a record for %s (%d bytes): %w", r.Topic, len(r.Key)+len(r.Value), err)
		p.order = append(p.order, k)
	}
}

// fail records a failure that belongs to no produced record.
func (p *produceResults) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == nil {
		p.first = err
	}
}

// failed says whether anything failed.
func (p *produceResults) failed() bool { return p.err() != nil }

// err is the first failure.
func (p *produceResults) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.first
}

// refusedFrom lists the raw events that had records refused, first first.
func (p *produceResults) refusedFrom() []rawOffset {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]rawOffset(nil), p.order...)
}

// refusal is the refusal held against a raw event.
func (p *produceResults) refusal(k rawOffset) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused[k]
}

// refusals counts, per raw event, the transactions aborted because its
// records were refused. It is kept in memory: a restart starts counting
// again, which still bounds the attempts.
type refusals struct {
	max  int
	n    map[rawOffset]int
	last map[rawOffset]error
}

func newRefusals(max int) *refusals {
	if max <= 0 {
		max = DefaultMaxProduceAttempts
	}
	return &refusals{max: max, n: map[rawOffset]int{}, last: map[rawOffset]error{}}
}

// hold holds one more refusal against a raw event.
func (f *refusals) hold(k rawOffset, err error) {
	f.n[k]++
	f.last[k] = err
}

// deadLetterCause is the reason to dead-letter r, once its records were
// refused max times, or nil.
func (f *refusals) deadLetterCause(r *kgo.Record) error {
	k := offsetOf(r)
	if n := f.n[k]; n >= f.max {
		return fmt.Errorf("%w: cannot produce the canonical records of this raw event (refused %d times): %w", errRefused, n, f.last[k])
	}
	return nil
}

// committed forgets the raw events of a committed transaction.
func (f *refusals) committed(records []*kgo.Record) {
	if len(f.n) == 0 {
		return
	}
	for _, r := range records {
		k := offsetOf(r)
		delete(f.n, k)
		delete(f.last, k)
	}
}
