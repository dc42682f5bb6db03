package main

// Consumer group membership of the components. Every group member is a
// static member (KIP-345) named after the process's instance id
// (WEARSTREAM_INSTANCE_ID, by default the host name): a component that is
// killed and restarted under the same name takes its old partitions back at
// once, without waiting for the broker to notice that the old member died,
// and a member that dies for good is dropped after a short session timeout,
// so the group rebalances within seconds rather than 45 s. Two processes of
// one component on one host must therefore be given distinct instance ids.

import (
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/config"
)

// groupSessionTimeout is how long the broker waits for a silent member
// before it gives its partitions to the others (the broker's minimum is
// usually 6 s).
const groupSessionTimeout = 10 * time.Second

// groupHeartbeat is how often members heartbeat; a third of the session
// timeout or less, so that a member survives a lost heartbeat or two.
const groupHeartbeat = time.Second

// instanceID names this process in consumer groups: WEARSTREAM_INSTANCE_ID,
// or the host name.
func instanceID(cfg config.Config) string {
	if cfg.InstanceID != "" {
		return cfg.InstanceID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "wearstream"
	}
	return host
}

// groupMembership returns the client options that make this process a
// static member of its consumer groups with a short session timeout.
func groupMembership(cfg config.Config) []kgo.Opt {
	return append([]kgo.Opt{kgo.InstanceID(instanceID(cfg))}, groupTimeouts()...)
}

// groupTimeouts returns the short session timeout and its heartbeat, for
// clients that name their static member themselves (the processor).
func groupTimeouts() []kgo.Opt {
	return []kgo.Opt{
		kgo.SessionTimeout(groupSessionTimeout),
		kgo.HeartbeatInterval(groupHeartbeat),
	}
}
