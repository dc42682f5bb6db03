package ingest

// Rate limits across instances. A provider declares its budget for the whole
// deployment as one or more windows: a RateLimit and its Also (WHOOP: 100
// requests a minute and 10,000 a day). Each ingest worker holds one Limiter
// per provider, and each window of it grants at most the window's budget
// divided by the number of workers in the consumer group (SetShare, from the
// group's member count after each rebalance) in any span of the window's
// length: a sliding window over the times of this process's grants, not a
// token bucket, which would let a full bucket and its refill add up to twice
// the budget within one window. A request is granted only when every window
// has room, and is then counted in all of them; a window that says wait
// costs the others nothing. A 429 pauses the limiter until its Retry-After,
// and a provider that reports the requests it has left (Session.Budget,
// Fitbit's headers) holds the limiter to that count until its reset.
//
// What holds and what does not. No state is shared between processes or
// kept across restarts, so:
//   - While the group's membership is stable, the shares add up to at most
//     each window's budget (a share is rounded down, though never below one
//     request), so the workers together stay within every window.
//   - Across a rebalance, each worker counts its own past grants against its
//     new share, but a member that joins starts as after a restart (below),
//     and holds the whole budget until its first SetShare; a member that
//     leaves takes what it spent with it. A window may briefly take more
//     than its budget while the group changes.
//   - A restart forgets this process's grants. A window of an hour or less
//     starts empty, so a restart can cost one more such window's share. A
//     longer window starts as though the process had spent its share
//     evenly over the past window, less an hour's worth: it grants an
//     hour's share at once and the rest at the window's average rate. When
//     the earlier process did spend evenly, a restart costs at most an
//     hour's share of a daily budget; when it spent its whole share just
//     before stopping, the day may see up to about twice the share. A crash
//     loop is left to the provider's 429.
//   - A budget per user (Fitbit's 150 an hour) needs no share: jobs are
//     keyed by user, so one worker at a time sends a user's requests. After
//     a rebalance or a restart the user's new worker starts empty, and the
//     provider's own count, read from its first answer, takes over.

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
	// Also are further windows that hold at the same time, such as a daily
	// cap beside a per-minute budget; a request needs room in every one.
	Also []RateLimit
}

// windows returns r and its Also, flattened, without empty ones.
func (r RateLimit) windows() []RateLimit {
	var out []RateLimit
	if r.Requests > 0 && r.Per > 0 {
		out = append(out, RateLimit{Requests: r.Requests, Per: r.Per})
	}
	for _, a := range r.Also {
		out = append(out, a.windows()...)
	}
	return out
}

// startFull is the longest window that starts with its whole share.
const startFull = time.Hour

// Limiter paces one process's share of a RateLimit.
type Limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	start   time.Time
	share   int
	windows []window
	paused  time.Time
	// left is what the provider said remains until reset.
	left  int
	reset time.Time
}

// window is one RateLimit's grants in this process.
type window struct {
	limit RateLimit
	// grants are the times of this process's grants within the last Per,
	// oldest first; phantom are the stand-ins for what an earlier process
	// may have spent, on the same terms.
	grants  []time.Time
	phantom []time.Time
}

// NewLimiter returns a limiter with the whole budget (share 1). A limiter
// without any window grants every request at once.
func NewLimiter(l RateLimit) *Limiter {
	return newLimiter(l, time.Now)
}

func newLimiter(l RateLimit, now func() time.Time) *Limiter {
	lim := &Limiter{now: now, start: now(), share: 1}
	for _, r := range l.windows() {
		lim.windows = append(lim.windows, window{limit: r})
	}
	lim.spread()
	return lim
}

// SetShare divides the budget among n processes.
func (l *Limiter) SetShare(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.share = max(n, 1)
	l.spread()
}

// Share is the number of processes the budget is divided among.
func (l *Limiter) Share() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share
}

// spread lays out the phantom grants of the windows longer than startFull
// for the current share: one request's worth falls due every Per/capacity
// from the limiter's start, and all but startFull's worth are counted at
// the start.
func (l *Limiter) spread() {
	now := l.now()
	for i := range l.windows {
		w := &l.windows[i]
		w.phantom = w.phantom[:0]
		if w.limit.Per <= startFull {
			continue
		}
		c := w.capacity(l.share)
		step := w.limit.Per / time.Duration(c)
		initial := max(int(startFull/step), 1)
		for k := 1; k <= c-initial; k++ {
			t := l.start.Add(-w.limit.Per + time.Duration(k)*step)
			if t.Add(w.limit.Per).After(now) {
				w.phantom = append(w.phantom, t)
			}
		}
	}
}

// capacity is the grants one process may make within Per.
func (w *window) capacity(share int) int {
	return max(w.limit.Requests/share, 1)
}

// expire forgets the grants that left the window.
func (w *window) expire(now time.Time) {
	w.grants = w.grants[dueBefore(w.grants, now.Add(-w.limit.Per)):]
	w.phantom = w.phantom[dueBefore(w.phantom, now.Add(-w.limit.Per)):]
}

// dueBefore is the number of times in sorted ts at or before t.
func dueBefore(ts []time.Time, t time.Time) int {
	n := 0
	for n < len(ts) && !ts[n].After(t) {
		n++
	}
	return n
}

// ready is when the window has room for one more grant.
func (w *window) ready(now time.Time, share int) time.Time {
	w.expire(now)
	over := len(w.grants) + len(w.phantom) - w.capacity(share)
	if over < 0 {
		return now
	}
	// The window has room once the over+1 oldest grants have left it.
	g, p := w.grants, w.phantom
	var oldest time.Time
	for range over + 1 {
		if len(p) == 0 || (len(g) > 0 && g[0].Before(p[0])) {
			oldest, g = g[0], g[1:]
		} else {
			oldest, p = p[0], p[1:]
		}
	}
	return oldest.Add(w.limit.Per)
}

// Pause holds every request until t (a provider's Retry-After).
func (l *Limiter) Pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.paused) {
		l.paused = t
	}
}

// Observe records the provider's own count: left requests remain until the
// count resets, which is in from now. Until then the limiter grants at most
// left more requests, besides what its windows allow, and with none left it
// holds every request until the reset. The latest answer wins, so a request
// still in flight when the provider counted may go uncounted here.
func (l *Limiter) Observe(left int, in time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.left = max(left, 0)
	l.reset = l.now().Add(max(in, 0))
}

// Next is when Wait would grant a request if it were called now.
func (l *Limiter) Next() time.Time {
	if l == nil {
		return time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next(l.now())
}

func (l *Limiter) next(now time.Time) time.Time {
	if len(l.windows) == 0 {
		return now
	}
	at := now
	if l.paused.After(at) {
		at = l.paused
	}
	if l.left == 0 && l.reset.After(at) {
		at = l.reset
	}
	for i := range l.windows {
		if t := l.windows[i].ready(now, l.share); t.After(at) {
			at = t
		}
	}
	return at
}

// reserve grants a request at now, counting it in every window, and returns
// 0; or it grants nothing and returns how long to wait before asking again.
func (l *Limiter) reserve(now time.Time) time.Duration {
	if at := l.next(now); at.After(now) {
		return at.Sub(now)
	}
	for i := range l.windows {
		l.windows[i].grants = append(l.windows[i].grants, now)
	}
	if l.reset.After(now) {
		l.left--
	}
	return 0
}

// Wait blocks until a request may be sent.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	for {
		l.mu.Lock()
		wait := l.reserve(l.now())
		l.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		if err := sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}
