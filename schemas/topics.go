package schemas

import "strings"

// DefaultTopicPrefix is the prefix of every topic unless configured otherwise.
const DefaultTopicPrefix = "wearables."

// Topics names every topic of the pipeline under one prefix.
type Topics struct {
	Prefix string
}

// NewTopics returns the topic names under prefix; an empty prefix means
// DefaultTopicPrefix. A prefix without a trailing dot gets one.
func NewTopics(prefix string) Topics {
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	if !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	return Topics{Prefix: prefix}
}

// Raw is the raw topic of one provider, e.g. wearables.raw.apple.
func (t Topics) Raw(provider string) string { return t.Prefix + "raw." + provider }

// RawPrefix is the common prefix of every raw topic.
func (t Topics) RawPrefix() string { return t.Prefix + "raw." }

// Samples carries SampleBatch records.
func (t Topics) Samples() string { return t.Prefix + "samples" }

// Workouts carries Workout records.
func (t Topics) Workouts() string { return t.Prefix + "workouts" }

// Sleep carries Sleep records.
func (t Topics) Sleep() string { return t.Prefix + "sleep" }

// Summaries carries Summary records: providers' daily scores.
func (t Topics) Summaries() string { return t.Prefix + "summaries" }

// Lifecycle carries connection and sync events.
func (t Topics) Lifecycle() string { return t.Prefix + "lifecycle" }

// Deliveries carries one Attempt per webhook delivery attempt.
func (t Topics) Deliveries() string { return t.Prefix + "deliveries" }

// DeliveryRetry is the retry topic of one wait tier, e.g.
// wearables.delivery.retry.5m: attempts waiting for their next try.
func (t Topics) DeliveryRetry(tier string) string { return t.Prefix + "delivery.retry." + tier }

// RetryTiers names the wait tiers of webhook retries, one topic each, from
// "now" (manual resends and replays) to the longest wait.
var RetryTiers = []string{"now", "5s", "1m", "5m", "30m", "2h", "5h", "10h"}

// DeliveryRetries lists the retry topic of every tier in RetryTiers.
func (t Topics) DeliveryRetries() []string {
	out := make([]string, len(RetryTiers))
	for i, tier := range RetryTiers {
		out[i] = t.DeliveryRetry(tier)
	}
	return out
}

// DLQ carries DeadLetter records.
func (t Topics) DLQ() string { return t.Prefix + "dlq" }

// State is a compacted configuration topic, e.g. wearables.state.users.
func (t Topics) State(table string) string { return t.Prefix + "state." + table }

// The state tables.
const (
	StateTenants   = "tenants"
	StateAPIKeys   = "api_keys"
	StateUsers     = "users"
	StateEndpoints = "endpoints"
	// StateEndpointHealth holds each webhook endpoint's failure streak.
	StateEndpointHealth = "endpoint_health"
	// StateSyncRuns holds the latest state of each sync run (imports).
	StateSyncRuns = "sync_runs"
	// StateConnections holds users' provider connections.
	StateConnections = "connections"
)

// IngestJobs carries IngestJob records for the ingest workers.
func (t Topics) IngestJobs() string { return t.Prefix + "ingest.jobs" }

// Canonical lists the topics that carry canonical data records.
func (t Topics) Canonical() []string {
	return []string{t.Samples(), t.Workouts(), t.Sleep(), t.Summaries()}
}

// Subject is the schema registry subject of a topic's values.
func Subject(topic string) string { return topic + "-value" }
