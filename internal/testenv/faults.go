package testenv

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Refusal is a broker fault in force: produce requests writing to one topic
// are answered with a Kafka error, as a real broker answers a record it will
// not take.
type Refusal struct {
	refused atomic.Int64
	left    atomic.Int64 // refusals left; negative for no limit
}

// Count is how many produce requests were refused so far.
func (r *Refusal) Count() int64 { return r.refused.Load() }

// Lift ends the refusal: the broker takes the topic's records again.
func (r *Refusal) Lift() { r.left.Store(0) }

// RefuseProduce makes the broker answer every produce request that writes
// to topic with code (every partition of the request, as a broker rejects a
// whole request), times times, or until Lift when times is 0.
func (s *Stack) RefuseProduce(tb testing.TB, topic string, code *kerr.Error, times int) *Refusal {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topics, err := kadm.NewClient(s.Env.Producer).ListTopics(ctx, topic)
	if err != nil || topics[topic].Err != nil {
		tb.Fatalf("cannot look up topic %s: %v %v", topic, err, topics[topic].Err)
	}
	id := topics[topic].ID
	r := &Refusal{}
	r.left.Store(int64(times))
	if times <= 0 {
		r.left.Store(-1)
	}
	cluster := s.Kafka.Cluster()
	cluster.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.ProduceRequest)
		writes := false
		for _, t := range req.Topics {
			writes = writes || t.Topic == topic || t.TopicID == id
		}
		if !writes || r.left.Load() == 0 {
			return nil, nil, false
		}
		if r.left.Load() > 0 {
			r.left.Add(-1)
		}
		r.refused.Add(1)
		cluster.KeepControl()
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = code.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	return r
}
