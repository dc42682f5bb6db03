package devstack

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The components are static group members with a 10 s session timeout
// (cmd/wearstream/membership.go). These tests check that the embedded
// broker honours both: a static member that dies without leaving (a
// closing static member does not leave, as after a kill) loses its
// partitions to the live member after the session timeout, and a member
// restarted under the same instance id takes its partitions back.

const memberSession = 10 * time.Second

func staticMember(t *testing.T, k *Kafka, group, topic, instance string) *kgo.Client {
	return newClient(t, k, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.InstanceID(instance),
		kgo.SessionTimeout(memberSession), kgo.HeartbeatInterval(time.Second),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
}

// consumeAll polls cl until it has seen n records, or fails after limit.
func consumeAll(t *testing.T, cl *kgo.Client, n int, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(testContext(t), limit)
	defer cancel()
	seen := map[string]bool{}
	for len(seen) < n {
		if ctx.Err() != nil {
			t.Fatalf("the member consumed %d of %d records within %s", len(seen), n, limit)
		}
		cl.PollRecords(ctx, 100).EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
	}
}

func TestDeadStaticMemberLosesItsPartitions(t *testing.T) {
	ctx := testContext(t)
	k := startKafka(t, KafkaOptions{})
	const topic, group, n = "canonical", "sink", 60
	admin := newClient(t, k)
	if _, err := kadm.NewClient(admin).CreateTopic(ctx, 6, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	live := staticMember(t, k, group, topic, "live")
	dead := staticMember(t, k, group, topic, "dead")
	// Both members hold partitions once the group is stable with two.
	for {
		groups, err := kadm.NewClient(admin).DescribeGroups(ctx, group)
		if err == nil && len(groups[group].Members) == 2 && groups[group].State == "Stable" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the group never had two members: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	dead.Close() // a static member does not leave: it is gone as after a kill
	for i := range n {
		if err := admin.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumeAll(t, live, n, 3*memberSession)
}

func TestRestartedStaticMemberTakesItsPartitionsBack(t *testing.T) {
	ctx := testContext(t)
	k := startKafka(t, KafkaOptions{})
	const topic, group, n = "canonical", "sink", 60
	admin := newClient(t, k)
	if _, err := kadm.NewClient(admin).CreateTopic(ctx, 6, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	first := staticMember(t, k, group, topic, "sink-1")
	for {
		groups, err := kadm.NewClient(admin).DescribeGroups(ctx, group)
		if err == nil && len(groups[group].Members) == 1 && groups[group].State == "Stable" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the member never joined: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	first.Close() // no leave, as after a kill
	for i := range n {
		if err := admin.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// Well within the session timeout: the restart replaces the old member.
	consumeAll(t, staticMember(t, k, group, topic, "sink-1"), n, memberSession/2)
}
