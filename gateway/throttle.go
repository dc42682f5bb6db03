package gateway

// Throttling of guessing. Four kinds of credential can be guessed at the
// gateway: API keys (and application secrets and SDK access tokens), SDK
// refresh tokens, invitation codes and provider webhook signatures. Each
// failure takes a token from two buckets: the client address's and the
// target's (the provider for signatures; the whole gateway for the others,
// whose target is unknown until the guess succeeds). While either bucket is
// empty, every request of that kind from the address (or to the target) is
// refused with 429 and Retry-After before any credential is checked or any
// body read, so a correct guess is refused too and guessing learns nothing.
// Buckets refill at a steady rate.
//
// The buckets live in the memory of one gateway process. With n gateways
// behind a balancer, a guesser gets at most n times the rates below; they
// are set so that even then an 8-character invitation code (32^8 values)
// stays out of reach for its 7 days.

import (
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// guess is a kind of credential that can be guessed.
type guess int

const (
	guessAPIKey guess = iota
	guessRefresh
	guessInvitation
	guessSignature
	guessKinds
)

var guessNames = [guessKinds]string{"api_key", "refresh_token", "invitation_code", "webhook_signature"}

func (k guess) String() string { return guessNames[k] }

// rate is a bucket: burst failures at once, then one more every refill.
type rate struct {
	burst  float64
	refill time.Duration
}

// guessLimits are the buckets of one kind: per client address and per target.
type guessLimits struct {
	address, target rate
}

// defaultGuessLimits are the limits of one gateway process.
var defaultGuessLimits = [guessKinds]guessLimits{
	guessAPIKey:     {address: rate{20, 3 * time.Second}, target: rate{600, 100 * time.Millisecond}},
	guessRefresh:    {address: rate{20, 3 * time.Second}, target: rate{600, 100 * time.Millisecond}},
	guessInvitation: {address: rate{10, 6 * time.Second}, target: rate{300, 500 * time.Millisecond}},
	guessSignature:  {address: rate{10, 6 * time.Second}, target: rate{300, 200 * time.Millisecond}},
}

// maxBuckets bounds the throttle's memory; past it, full buckets (which
// hold no information) are dropped, then arbitrary ones.
const maxBuckets = 100_000

// SecurityStats are the gateway's security counters since it started, for
// the metrics endpoint to export.
type SecurityStats struct {
	// Failures counts failed credentials by kind: api_key, refresh_token,
	// invitation_code, webhook_signature.
	Failures map[string]uint64
	// Throttled counts requests refused with 429 by kind.
	Throttled map[string]uint64
	// AuditErrors counts changes whose audit record could not be written.
	AuditErrors uint64
}

type bucketKey struct {
	kind   guess
	target bool
	key    string
}

type bucket struct {
	tokens float64
	at     time.Time
}

// throttle holds the buckets and the counters.
type throttle struct {
	limits [guessKinds]guessLimits
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
	logged  map[string]time.Time // rate-limited log lines, by kind and event
	skipped map[string]int

	failures    [guessKinds]atomic.Uint64
	throttled   [guessKinds]atomic.Uint64
	auditErrors atomic.Uint64
}

func newThrottle(limits [guessKinds]guessLimits, now func() time.Time, log *slog.Logger) *throttle {
	return &throttle{limits: limits, now: now, log: log, buckets: map[bucketKey]*bucket{}, logged: map[string]time.Time{}, skipped: map[string]int{}}
}

// withGuessLimits sets the throttle's limits of one kind (tests).
func withGuessLimits(k guess, l guessLimits) Option {
	return func(g *Gateway) { g.guessLimits[k] = l }
}

func (r rate) level(b *bucket, now time.Time) float64 {
	if b == nil {
		return r.burst
	}
	return math.Min(r.burst, b.tokens+float64(now.Sub(b.at))/float64(r.refill))
}

// wait returns how long until the bucket holds a whole token again; zero
// when it does now.
func (r rate) wait(b *bucket, now time.Time) time.Duration {
	lvl := r.level(b, now)
	if lvl >= 1 {
		return 0
	}
	return time.Duration((1 - lvl) * float64(r.refill))
}

// refused says how long requests of kind from addr to target must wait;
// zero when they may go on.
func (t *throttle) refused(k guess, addr, target string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.limits[k]
	return max(l.address.wait(t.buckets[bucketKey{k, false, addr}], now), l.target.wait(t.buckets[bucketKey{k, true, target}], now))
}

// fail takes a token from both buckets of a failed attempt.
func (t *throttle) fail(k guess, addr, target string) {
	t.failures[k].Add(1)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.limits[k]
	t.take(bucketKey{k, false, addr}, l.address, now)
	t.take(bucketKey{k, true, target}, l.target, now)
}

func (t *throttle) take(key bucketKey, r rate, now time.Time) {
	b := t.buckets[key]
	if b == nil {
		if len(t.buckets) >= maxBuckets {
			t.evict(now)
		}
		b = &bucket{}
		t.buckets[key] = b
		b.tokens = r.burst
	} else {
		b.tokens = r.level(b, now)
	}
	b.at = now
	b.tokens = math.Max(0, b.tokens-1)
}

// evict drops the buckets that refilled, then arbitrary ones, until a
// tenth of the room is free.
func (t *throttle) evict(now time.Time) {
	for key, b := range t.buckets {
		l := t.limits[key.kind].address
		if key.target {
			l = t.limits[key.kind].target
		}
		if l.level(b, now) >= l.burst {
			delete(t.buckets, key)
		}
	}
	for key := range t.buckets {
		if len(t.buckets) < maxBuckets*9/10 {
			break
		}
		delete(t.buckets, key)
	}
}

// logf logs one line per kind and event at most every 10 seconds, with the
// count of the lines it skipped.
func (t *throttle) logf(k guess, event, msg string, args ...any) {
	key := k.String() + " " + event
	now := t.now()
	t.mu.Lock()
	if last, ok := t.logged[key]; ok && now.Sub(last) < 10*time.Second && !now.Before(last) {
		t.skipped[key]++
		t.mu.Unlock()
		return
	}
	skipped := t.skipped[key]
	t.logged[key], t.skipped[key] = now, 0
	t.mu.Unlock()
	t.log.Warn(msg, append(args, "kind", k.String(), "similar_lines_skipped", skipped)...)
}

func (t *throttle) stats() SecurityStats {
	s := SecurityStats{Failures: map[string]uint64{}, Throttled: map[string]uint64{}, AuditErrors: t.auditErrors.Load()}
	for k := range guessKinds {
		s.Failures[k.String()] = t.failures[k].Load()
		s.Throttled[k.String()] = t.throttled[k].Load()
	}
	return s
}

// SecurityStats returns the gateway's security counters.
func (g *Gateway) SecurityStats() SecurityStats { return g.guard.stats() }

// checkGuess answers 429 when requests of kind from the caller's address
// to target are throttled.
func (g *Gateway) checkGuess(c *fiber.Ctx, k guess, target string) error {
	wait := g.guard.refused(k, c.IP(), target)
	if wait <= 0 {
		return nil
	}
	g.guard.throttled[k].Add(1)
	secs := int(math.Ceil(wait.Seconds()))
	g.guard.logf(k, "throttled", "request throttled after failed credentials", "address", c.IP(), "target", target, "path", c.Path(), "retry_after_s", secs)
	return &Error{Status: fiber.StatusTooManyRequests, Code: "too_many_attempts",
		Message: "too many failed " + strings.ReplaceAll(k.String(), "_", " ") + " attempts from this address; retry after " + itoa(secs) + " s", RetryAfter: secs}
}

// failedGuess records a failed credential of kind and logs it (rate-limited).
func (g *Gateway) failedGuess(c *fiber.Ctx, k guess, target, why string) {
	g.guard.fail(k, c.IP(), target)
	g.guard.logf(k, "failed", "credential refused", "address", c.IP(), "target", target, "path", c.Path(), "reason", why)
}

// throttle is a route's check of kind, before any other work; the target is
// the whole gateway.
func (g *Gateway) throttle(k guess) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := g.checkGuess(c, k, k.String()); err != nil {
			return err
		}
		return c.Next()
	}
}

// throttleSignatures checks the signature buckets of the path's provider.
func (g *Gateway) throttleSignatures(c *fiber.Ctx) error {
	if err := g.checkGuess(c, guessSignature, providerParam(c)); err != nil {
		return err
	}
	return c.Next()
}
