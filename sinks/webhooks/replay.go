package webhooks

// Recover re-delivers what an endpoint would have received in a time range,
// from the stream itself: it finds the offsets of since and until on every
// canonical and lifecycle topic (ListOffsetsAfterMilli), reads that range
// once with a consumer of its own, builds the messages with the same code as
// the delivery consumer (so their webhook-ids and bodies are the original
// ones), keeps those the endpoint matches, and queues them on the "now" retry
// tier with trigger "replay", where the delivery consumer attempts them like
// any other, retries included. Neither Open Wearables nor a self-hosted Svix
// can do this; Svix's recover only resends attempts it still has.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// MaxRecoverWindow is the longest range one recover may cover.
const MaxRecoverWindow = 14 * 24 * time.Hour

// recoverIdle ends a recover when the range's partitions give nothing for
// this long: every record in the range was written before it started.
const recoverIdle = 3 * time.Second

// recoverBatch is how many messages are queued at once.
const recoverBatch = 500

// ErrRecoverRange is returned for an empty or too long recover range.
var ErrRecoverRange = errors.New("invalid recover range")

// Recoverer re-reads the stream for Recover.
type Recoverer struct {
	Brokers []string
	Topics  schemas.Topics
	Serde   *schemas.Serde
	Queue   Queue
	// Erasures is the erasure list: nothing of an erased user is queued
	// but their user.deleted event. Nil erases nothing.
	Erasures Erasures
}

// Recover queues for ep every message of the records written to the
// canonical and lifecycle topics from since (inclusive) to until
// (exclusive) that ep matches, and returns how many it queued. A disabled
// endpoint is recovered as if it were enabled: it receives the messages once
// it is enabled again.
func (rc *Recoverer) Recover(ctx context.Context, ep schemas.Endpoint, since, until time.Time) (int, error) {
	if !since.Before(until) || until.Sub(since) > MaxRecoverWindow {
		return 0, fmt.Errorf("cannot recover from %s to %s: %w (until must be after since, at most %s later)",
			since.Format(time.RFC3339), until.Format(time.RFC3339), ErrRecoverRange, MaxRecoverWindow)
	}
	topics := append(rc.Topics.Canonical(), rc.Topics.Lifecycle())
	admin, err := kgo.NewClient(kgo.SeedBrokers(rc.Brokers...))
	if err != nil {
		return 0, fmt.Errorf("cannot create recover client: %w", err)
	}
	adm := kadm.NewClient(admin)
	starts, err := adm.ListOffsetsAfterMilli(ctx, since.UnixMilli(), topics...)
	if err == nil {
		err = starts.Error()
	}
	var ends kadm.ListedOffsets
	if err == nil {
		ends, err = adm.ListOffsetsAfterMilli(ctx, until.UnixMilli(), topics...)
		if err == nil {
			err = ends.Error()
		}
	}
	admin.Close()
	if err != nil {
		return 0, fmt.Errorf("cannot find the offsets of the recover range: %w", err)
	}

	from := map[string]map[int32]kgo.Offset{}
	end := map[topicPartition]int64{}
	starts.Each(func(o kadm.ListedOffset) {
		e, ok := ends.Lookup(o.Topic, o.Partition)
		if !ok || o.Offset >= e.Offset {
			return
		}
		if from[o.Topic] == nil {
			from[o.Topic] = map[int32]kgo.Offset{}
		}
		from[o.Topic][o.Partition] = kgo.NewOffset().At(o.Offset)
		end[topicPartition{o.Topic, o.Partition}] = e.Offset
	})
	if len(from) == 0 {
		return 0, nil
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(rc.Brokers...),
		kgo.ConsumePartitions(from),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return 0, fmt.Errorf("cannot create recover consumer: %w", err)
	}
	defer cl.Close()

	target := ep
	target.Disabled = false
	queued := 0
	var pending []Message
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := rc.Queue.Enqueue(ctx, ep.ID, TriggerReplay, pending); err != nil {
			return err
		}
		queued += len(pending)
		pending = pending[:0]
		return nil
	}
	for len(end) > 0 {
		pctx, cancel := context.WithTimeout(ctx, recoverIdle)
		fetches := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return queued, fmt.Errorf("cannot finish the recover: %w", err)
		}
		if fetches.NumRecords() == 0 {
			break // idle: the rest of the range is aborted or control records
		}
		var decodeErr error
		fetches.EachRecord(func(r *kgo.Record) {
			tp := topicPartition{r.Topic, r.Partition}
			last, ok := end[tp]
			if !ok || r.Offset >= last {
				return
			}
			if r.Offset+1 >= last {
				delete(end, tp)
			}
			v, err := rc.Serde.DecodeNew(r.Value)
			if err != nil {
				decodeErr = err
				return
			}
			for _, m := range Messages(v) {
				if Matches(target, m) && !withheld(rc.Erasures, m) {
					pending = append(pending, m)
				}
			}
		})
		if decodeErr != nil {
			return queued, fmt.Errorf("cannot decode a record to recover: %w", decodeErr)
		}
		if len(pending) >= recoverBatch {
			if err := flush(); err != nil {
				return queued, err
			}
		}
	}
	if err := flush(); err != nil {
		return queued, err
	}
	return queued, nil
}
