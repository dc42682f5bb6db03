package ingest

import (
	"testing"
	"time"
)

// clock is a settable time for limiters under test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

// drain takes every request l grants at now.
func drain(l *Limiter, now time.Time) int {
	n := 0
	for l.reserve(now) == 0 {
		n++
	}
	return n
}

// most is the largest number of times in sorted ts within any span of length per.
func most(ts []time.Time, per time.Duration) int {
	best, j := 0, 0
	for i, from := range ts {
		for j < len(ts) && ts[j].Sub(from) < per {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

func TestLimiterShare(t *testing.T) {
	c := newClock()
	l := newLimiter(RateLimit{Requests: 100, Per: time.Minute}, c.now)
	l.SetShare(4)
	if got := drain(l, c.t); l.Share() != 4 || got != 25 {
		t.Fatalf("share %d granted %d at once, want 25", l.Share(), got)
	}
	if wait := l.reserve(c.t); wait != time.Minute {
		t.Fatalf("wait %v, want the window", wait)
	}
}

// Two workers with a share each take as much as they can, second by second:
// together they never exceed the budget within any minute, and they use it
// all.
func TestLimitersWithSharesStayWithinBudget(t *testing.T) {
	c := newClock()
	budget := RateLimit{Requests: 10, Per: time.Minute}
	a, b := newLimiter(budget, c.now), newLimiter(budget, c.now)
	a.SetShare(2)
	b.SetShare(2)
	var grants []time.Time
	start := c.t
	for ; c.t.Before(start.Add(5 * time.Minute)); c.t = c.t.Add(time.Second) {
		for range drain(a, c.t) + drain(b, c.t) {
			grants = append(grants, c.t)
		}
	}
	if got := most(grants, time.Minute); got != 10 {
		t.Fatalf("at most %d grants in a minute, want 10", got)
	}
	if len(grants) != 50 {
		t.Fatalf("%d grants in five minutes, want 50", len(grants))
	}
}

// WHOOP-like budget, 100 a minute and 2,400 a day: once the day's budget is
// spent, the minute window has room but nothing is granted.
func TestLimiterDailyWindowStopsGrants(t *testing.T) {
	c := newClock()
	day := RateLimit{Requests: 2400, Per: 24 * time.Hour}
	l := newLimiter(RateLimit{Requests: 100, Per: time.Minute, Also: []RateLimit{day}}, c.now)

	// A day window starts with an hour's worth, not the whole day's.
	if got := drain(l, c.t); got != 100 {
		t.Fatalf("granted %d at start, want an hour's worth of the day (100)", got)
	}
	var grants []time.Time
	start := c.t
	blocked := 0
	for ; c.t.Before(start.Add(3 * 24 * time.Hour)); c.t = c.t.Add(time.Minute) {
		n := drain(l, c.t)
		if n < 100 {
			blocked++ // the minute window would have allowed 100
		}
		for range n {
			grants = append(grants, c.t)
		}
	}
	if got := most(grants, day.Per); got > day.Requests {
		t.Fatalf("%d grants within a day, budget %d", got, day.Requests)
	}
	if len(grants) < 3*day.Requests-100 {
		t.Fatalf("%d grants in three days, want about %d", len(grants), 3*day.Requests)
	}
	if blocked == 0 {
		t.Fatal("the daily window never held a request the minute window allowed")
	}
	// A window's wait names when a grant falls out of the day.
	drain(l, c.t)
	if wait := l.reserve(c.t); wait <= 0 || wait > day.Per {
		t.Fatalf("wait %v", wait)
	}
}

// A request is taken from every window or from none.
func TestLimiterTakesFromAllWindowsOrNone(t *testing.T) {
	c := newClock()
	l := newLimiter(RateLimit{Requests: 5, Per: time.Minute, Also: []RateLimit{{Requests: 100, Per: time.Hour}}}, c.now)
	l.SetShare(2)
	if got := drain(l, c.t); got != 2 {
		t.Fatalf("granted %d, want the minute's share (2)", got)
	}
	if n := len(l.windows[1].grants); n != 2 {
		t.Fatalf("the hour window counted %d grants, want 2", n)
	}
}

// A (re)started limiter grants an hour's share of a day's budget at once and
// the rest at the day's rate, not the whole day's share.
func TestLimiterStartsLongWindowWithAnHour(t *testing.T) {
	c := newClock()
	l := newLimiter(RateLimit{Requests: 1000, Per: time.Minute, Also: []RateLimit{{Requests: 4800, Per: 24 * time.Hour}}}, c.now)
	l.SetShare(2) // 2,400 a day, 100 an hour; the minute allows 500
	total := 0
	for start := c.t; c.t.Before(start.Add(time.Hour)); c.t = c.t.Add(time.Minute) {
		n := drain(l, c.t)
		if c.t.Equal(start) && n != 100 {
			t.Fatalf("granted %d at start, want 100", n)
		}
		total += n
	}
	if total > 200 {
		t.Fatalf("granted %d in the first hour, want at most two hours' share (200)", total)
	}
}

// The provider's own count holds the limiter until its reset; a 429 pauses
// it.
func TestLimiterObserveAndPause(t *testing.T) {
	c := newClock()
	l := newLimiter(RateLimit{Requests: 150, Per: time.Hour}, c.now)
	l.Observe(2, 20*time.Minute)
	if got := drain(l, c.t); got != 2 {
		t.Fatalf("granted %d with 2 left", got)
	}
	if next := l.Next(); !next.Equal(c.t.Add(20 * time.Minute)) {
		t.Fatalf("next grant at %v, want the reset", next)
	}
	l.Observe(0, 10*time.Minute)
	if next := l.Next(); !next.Equal(c.t.Add(10 * time.Minute)) {
		t.Fatalf("next grant at %v, want the new reset", next)
	}
	c.t = c.t.Add(10 * time.Minute)
	if got := drain(l, c.t); got != 148 {
		t.Fatalf("granted %d after the reset, want the rest of the hour (148)", got)
	}

	l = newLimiter(RateLimit{Requests: 150, Per: time.Hour}, c.now)
	l.Pause(c.t.Add(time.Minute))
	if wait := l.reserve(c.t); wait != time.Minute {
		t.Fatalf("wait %v during a pause", wait)
	}
}

// A limiter without windows grants everything.
func TestLimiterWithoutWindows(t *testing.T) {
	c := newClock()
	l := newLimiter(RateLimit{}, c.now)
	for range 1000 {
		if l.reserve(c.t) != 0 {
			t.Fatal("a limiter without windows held a request")
		}
	}
}
