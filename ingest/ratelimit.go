package ingest

// Rate limits across instances. Each ingest worker holds one token bucket
// per provider with the provider's budget divided by the number of workers
// in the consumer group (SetShare, from the group's member count after each
// rebalance), so that together they stay within the provider's limit
// without any coordination beyond Kafka's. A 429 pauses the provider's
// bucket until its Retry-After.

import (
	"context"
	"sync"
	"time"
)

// RateLimit is a provider's request budget for the whole deployment:
// Requests per Per.
type RateLimit struct {
	Requests int
	Per      time.Duration
}

// Limiter is a token bucket over one process's share of a RateLimit.
type Limiter struct {
	mu     sync.Mutex
	limit  RateLimit
	share  int
	tokens float64
	last   time.Time
	paused time.Time
}

// NewLimiter returns a limiter with the whole budget (share 1).
func NewLimiter(l RateLimit) *Limiter {
	lim := &Limiter{limit: l, share: 1, last: time.Now()}
	lim.tokens = lim.capacity()
	return lim
}

// SetShare divides the budget among n processes.
func (l *Limiter) SetShare(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.share = max(n, 1)
	l.tokens = min(l.tokens, l.capacity())
}

// Share is the number of processes the budget is divided among.
func (l *Limiter) Share() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share
}

func (l *Limiter) capacity() float64 {
	return max(float64(l.limit.Requests)/float64(l.share), 1)
}

func (l *Limiter) rate() float64 { // tokens per second
	return float64(l.limit.Requests) / float64(l.share) / l.limit.Per.Seconds()
}

// Pause holds every request until t (a provider's Retry-After).
func (l *Limiter) Pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.paused) {
		l.paused = t
	}
}

// Wait blocks until a request may be sent.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil || l.limit.Requests <= 0 || l.limit.Per <= 0 {
		return nil
	}
	for {
		l.mu.Lock()
		now := time.Now()
		l.tokens = min(l.tokens+now.Sub(l.last).Seconds()*l.rate(), l.capacity())
		l.last = now
		var wait time.Duration
		switch {
		case now.Before(l.paused):
			wait = l.paused.Sub(now)
		case l.tokens >= 1:
			l.tokens--
			l.mu.Unlock()
			return nil
		default:
			wait = time.Duration((1 - l.tokens) / l.rate() * float64(time.Second))
		}
		l.mu.Unlock()
		if err := sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}
