package webhooks

// The retry schedule is Svix's: after the immediate attempt, retries follow
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later, each delay spread by
// ±20 % so that endpoints coming back are not hit by a synchronised wave. A
// timeout or a 429 means the endpoint is overloaded: the wait is at least a
// minute. A Retry-After header is honoured within [wait, 2 × wait], so an
// endpoint can slow retries down but neither stop them nor speed them up.
//
// Pending retries wait in Kafka, one topic per wait tier (the delay-queue
// pattern): a tier's records all wait about as long as each other, so a
// partition is in due-time order up to the jitter, and its consumer can pause
// it until the head record is due without holding up records due earlier.
// One topic for every wait would put a 10 h retry in front of a 5 s one.

import (
	"errors"
	"net/http"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// Schedule is the wait before each retry after a failed attempt, as Svix
// does it: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Jitter is the relative spread applied to every retry delay (±20 %).
const Jitter = 0.2

// OverloadWait is the shortest wait after a timeout or a 429 answer.
const OverloadWait = time.Minute

// tierWaits is the nominal wait of each tier of schemas.RetryTiers.
var tierWaits = []time.Duration{0, 5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

// NextDelay returns the wait before retry number n (1-based) of schedule
// with jitter drawn from r in [0, 1); ok is false when the schedule is
// exhausted.
func NextDelay(schedule []time.Duration, n int, r float64) (time.Duration, bool) {
	if n < 1 || n > len(schedule) {
		return 0, false
	}
	d := float64(schedule[n-1])
	return time.Duration(d * (1 - Jitter + 2*Jitter*r)), true
}

// RetryDelay returns the wait before retry number n after an attempt with
// result res: the jittered schedule, at least OverloadWait after a timeout
// or a 429, and the endpoint's Retry-After clamped to [wait, 2 × wait]. ok is
// false when no retry is left.
func RetryDelay(schedule []time.Duration, n int, r float64, res Result) (time.Duration, bool) {
	d, ok := NextDelay(schedule, n, r)
	if !ok {
		return 0, false
	}
	if res.StatusCode == http.StatusTooManyRequests || errors.Is(res.Err, ErrTimeout) {
		d = max(d, OverloadWait)
	}
	if res.RetryAfter > 0 {
		d = min(max(res.RetryAfter, d), 2*d)
	}
	return d, true
}

// TierFor returns the retry tier for a wait: the longest tier whose nominal
// wait, less the jitter, is not longer than it, so that records of one tier
// become due in about the order they were written.
func TierFor(wait time.Duration) string {
	tier := 0
	for i, w := range tierWaits {
		if time.Duration(float64(w)*(1-Jitter)) <= wait {
			tier = i
		}
	}
	return schemas.RetryTiers[tier]
}

// deferWait is how long an attempt is put off the n-th time its endpoint was
// too busy to take it: 5 s, growing tenfold up to 10 h, so that the backlog
// of a slow endpoint does not circle through Kafka every few seconds.
func deferWait(n int32) time.Duration {
	d := 5 * time.Second
	for i := int32(1); i < n && d < 10*time.Hour; i++ {
		d *= 10
	}
	return min(d, 10*time.Hour)
}
