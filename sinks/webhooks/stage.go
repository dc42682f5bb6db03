package webhooks

// A stage is one consumer-group loop of the delivery consumer: the first
// attempts over the canonical topics, or the retries over the tier topics.
// Records of a partition are started in offset order, each once it is due;
// a record's work finishes out of order (endpoints answer at their own pace),
// so the offset committed for a partition is that of its oldest record whose
// outcome is not yet durable in Kafka. A crash therefore repeats attempts
// (with the same webhook-id) and never loses one.
//
// A partition whose next record is not due yet is paused
// (PauseFetchPartitions) with the records already polled kept in order; it
// is resumed once they are all started. Rebalances commit what is done and
// drop the rest, which the partition's next owner delivers again.

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// commitInterval is how often a stage commits its finished offsets.
const commitInterval = time.Second

// maxIdleWait bounds a poll while no paused partition becomes due sooner.
const maxIdleWait = 5 * time.Second

type topicPartition struct {
	topic     string
	partition int32
}

// stage consumes records and starts their work once due.
type stage struct {
	name    string
	cl      *kgo.Client
	log     *slog.Logger
	now     func() time.Time
	due     func(r *kgo.Record) time.Time                         // when a record may start; zero for now
	process func(ctx context.Context, r *kgo.Record, done func()) // starts a record's work; done once durable

	mu    sync.Mutex
	parts map[topicPartition]*partition
}

// partition is the progress of one assigned partition.
type partition struct {
	buf       []*kgo.Record // polled, not started yet
	paused    bool
	started   []*startedRecord // in offset order, done or not
	next      int64            // the offset after the last record started
	committed int64
	epoch     int32
}

type startedRecord struct {
	offset int64
	done   bool
}

func newStage(name string, cl *kgo.Client, log *slog.Logger, now func() time.Time) *stage {
	return &stage{name: name, cl: cl, log: log, now: now, parts: map[topicPartition]*partition{}}
}

// onLost is the OnPartitionsRevoked and OnPartitionsLost callback: it
// commits what is done of the partitions going away and forgets them.
func (s *stage) onLost(ctx context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.mu.Lock()
	offsets := map[string]map[int32]kgo.EpochOffset{}
	for topic, ps := range lost {
		for _, p := range ps {
			tp := topicPartition{topic, p}
			if part := s.parts[tp]; part != nil {
				if w := part.watermark(); w > part.committed {
					if offsets[topic] == nil {
						offsets[topic] = map[int32]kgo.EpochOffset{}
					}
					offsets[topic][p] = kgo.EpochOffset{Epoch: part.epoch, Offset: w}
				}
				delete(s.parts, tp)
			}
		}
	}
	s.mu.Unlock()
	s.cl.ResumeFetchPartitions(lost)
	if len(offsets) > 0 {
		s.commit(ctx, offsets)
	}
}

// run polls, starts due records and commits until ctx ends.
func (s *stage) run(ctx context.Context) {
	commitCtx, stopCommits := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(commitInterval)
		defer t.Stop()
		for {
			select {
			case <-commitCtx.Done():
				return
			case <-t.C:
				s.commitDone(commitCtx)
			}
		}
	}()
	defer func() {
		stopCommits()
		wg.Wait()
		// A last commit of what is finished; the rest is delivered again.
		final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.commitDone(final)
		cancel()
	}()

	for ctx.Err() == nil {
		wait := s.start(ctx)
		pctx, cancel := context.WithTimeout(ctx, wait)
		fetches := s.cl.PollFetches(pctx)
		cancel()
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				s.log.Warn("fetch error", "stage", s.name, "topic", topic, "partition", p, "err", err)
			}
		})
		s.mu.Lock()
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 {
				return
			}
			tp := topicPartition{fp.Topic, fp.Partition}
			part := s.parts[tp]
			if part == nil {
				part = &partition{next: fp.Records[0].Offset, committed: -1}
				s.parts[tp] = part
			}
			part.buf = append(part.buf, fp.Records...)
		})
		s.mu.Unlock()
	}
}

// start starts every due record, pauses partitions whose next record is
// not due and resumes those with nothing left waiting. It returns how long
// the next poll may wait.
func (s *stage) start(ctx context.Context) time.Duration {
	type ready struct {
		r    *kgo.Record
		done func()
	}
	var todo []ready
	wait := maxIdleWait
	pause, resume := map[string][]int32{}, map[string][]int32{}

	s.mu.Lock()
	now := s.now()
	for tp, part := range s.parts {
		for len(part.buf) > 0 {
			r := part.buf[0]
			if due := s.due(r); due.After(now) {
				wait = min(wait, due.Sub(now))
				break
			}
			part.buf[0] = nil
			part.buf = part.buf[1:]
			sr := &startedRecord{offset: r.Offset}
			part.started = append(part.started, sr)
			part.next, part.epoch = r.Offset+1, r.LeaderEpoch
			todo = append(todo, ready{r, s.doneFunc(tp, part, sr)})
		}
		switch {
		case len(part.buf) > 0 && !part.paused:
			part.paused = true
			pause[tp.topic] = append(pause[tp.topic], tp.partition)
		case len(part.buf) == 0 && part.paused:
			part.paused = false
			resume[tp.topic] = append(resume[tp.topic], tp.partition)
		}
	}
	s.mu.Unlock()

	if len(pause) > 0 {
		s.cl.PauseFetchPartitions(pause)
	}
	if len(resume) > 0 {
		s.cl.ResumeFetchPartitions(resume)
	}
	for _, t := range todo {
		s.process(ctx, t.r, t.done)
	}
	return max(wait, time.Millisecond)
}

// doneFunc returns the callback that marks a started record finished; it
// is safe to call from any goroutine, once.
func (s *stage) doneFunc(tp topicPartition, part *partition, sr *startedRecord) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.parts[tp] != part {
				return // the partition went to another member
			}
			sr.done = true
		})
	}
}

// watermark is the offset to commit: the oldest started record not done,
// or the next offset when all are. Finished records at the front are dropped.
func (p *partition) watermark() int64 {
	for len(p.started) > 0 && p.started[0].done {
		p.started[0] = nil
		p.started = p.started[1:]
	}
	if len(p.started) > 0 {
		return p.started[0].offset
	}
	return p.next
}

// commitDone commits every partition's watermark that moved.
func (s *stage) commitDone(ctx context.Context) {
	s.mu.Lock()
	offsets := map[string]map[int32]kgo.EpochOffset{}
	for tp, part := range s.parts {
		if w := part.watermark(); w > part.committed {
			if offsets[tp.topic] == nil {
				offsets[tp.topic] = map[int32]kgo.EpochOffset{}
			}
			offsets[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: part.epoch, Offset: w}
		}
	}
	s.mu.Unlock()
	if len(offsets) == 0 {
		return
	}
	if !s.commit(ctx, offsets) {
		return
	}
	s.mu.Lock()
	for topic, ps := range offsets {
		for p, o := range ps {
			if part := s.parts[topicPartition{topic, p}]; part != nil && o.Offset > part.committed {
				part.committed = o.Offset
			}
		}
	}
	s.mu.Unlock()
}

func (s *stage) commit(ctx context.Context, offsets map[string]map[int32]kgo.EpochOffset) bool {
	var failed error
	s.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			failed = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if p.ErrorCode != 0 && failed == nil {
					failed = errors.New("commit refused for " + t.Topic)
				}
			}
		}
	})
	if failed != nil && ctx.Err() == nil {
		s.log.Warn("cannot commit delivery offsets; the records will be delivered again", "stage", s.name, "err", failed)
		return false
	}
	return failed == nil
}
