package app

// Dead letters of the stages outside the processor (the ClickHouse sink, the
// ingest workers). A stage hands a record it cannot handle to DeadLetter and
// marks the record done (commits its offset) only when DeadLetter returned
// nil: Kafka acknowledged the dead letter. When the dead-letter topic refuses
// the record as too large, the dead letter is written again without the
// original value, which stays readable at its topic, partition and offset
// until retention removes it; the error says so. Any other refusal is
// returned, and the stage keeps the record unsettled and tries again.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/schemas"
)

// DeadLetter writes r to the dead-letter topic with stage and cause, and
// returns once Kafka acknowledged it, or Kafka's reason for refusing it.
func (e *Env) DeadLetter(ctx context.Context, r *kgo.Record, stage string, cause error) error {
	dl := schemas.DeadLetter{
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		Stage: stage, Error: cause.Error(), FailedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
	err := e.produceDeadLetter(ctx, dl)
	if errors.Is(err, kerr.MessageTooLarge) && len(dl.Value) > 0 {
		dl.Error += fmt.Sprintf(" (original value of %d bytes left out: %v; read it at %s/%d@%d)",
			len(dl.Value), err, r.Topic, r.Partition, r.Offset)
		dl.Value = nil
		err = e.produceDeadLetter(ctx, dl)
	}
	if err != nil {
		return fmt.Errorf("cannot dead-letter %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	metrics.DeadLetters.WithLabelValues(stage, DeadLetterReason(cause)).Inc()
	return nil
}

// Reasoned is an error that names its dead-letter reason for the metrics.
type Reasoned interface{ DeadLetterReason() string }

// WithReason names err's dead-letter reason.
func WithReason(err error, reason string) error { return reasoned{err, reason} }

type reasoned struct {
	error
	reason string
}

func (r reasoned) DeadLetterReason() string { return r.reason }
func (r reasoned) Unwrap() error            { return r.error }

// DeadLetterReason is the reason label of a dead letter's cause: the
// reason an error in its chain names (Reasoned), or "failed".
func DeadLetterReason(cause error) string {
	var r Reasoned
	if errors.As(cause, &r) {
		return r.DeadLetterReason()
	}
	return "failed"
}

func (e *Env) produceDeadLetter(ctx context.Context, dl schemas.DeadLetter) error {
	value, err := e.Serde.Encode(dl)
	if err != nil {
		return fmt.Errorf("cannot encode dead letter: %w", err)
	}
	return e.Producer.ProduceSync(ctx, &kgo.Record{Topic: e.Topics.DLQ(), Key: dl.Key, Value: value}).FirstErr()
}
