package webhooks

// A slow or dead endpoint must never delay deliveries to the others. Every
// endpoint has its own bounded queue and its own limit of requests in
// flight; an endpoint whose last attempt failed or was slow is degraded to
// one request in flight and no queue at all. When an endpoint cannot take a
// job, Submit says so and the caller hands the attempt to a retry tier
// (deferred, not failed), so a consumer's partition keeps moving.
//
// A healthy endpoint with a full queue is different: it is only busy, and
// deferring its burst would add seconds of latency, so Submit waits for room
// as long as the endpoint keeps finishing requests. An endpoint that has not
// finished one for slowAttempt is stalled and its jobs are deferred: that is
// the longest a consumer waits for any one endpoint. The global bound on
// queued jobs, which also makes Submit wait, therefore only ever waits for
// endpoints that are making progress.

import (
	"context"
	"sync"
	"time"
)

// slowAttempt is how long an attempt may take before its endpoint counts as
// degraded, like one that failed.
const slowAttempt = time.Second

// job is one attempt of one message to one endpoint.
type job struct {
	endpointID string
	msg        Message
	attempt    int32  // the number of this attempt, 1 for the first
	trigger    string // scheduled, retry, manual or replay
	deferrals  int32  // how often it was put off already
	done       func() // called once the attempt's outcome is durable in Kafka
}

// outcome is what a worker learnt about an endpoint from one job.
type outcome struct {
	ok       bool
	duration time.Duration
}

// dispatcher runs jobs on per-endpoint queues with bounded concurrency.
type dispatcher struct {
	ctx         context.Context
	run         func(context.Context, job) outcome
	perEndpoint int
	queueSize   int
	maxQueued   int
	sem         chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	queued int
	queues map[string]*endpointQueue
	wg     sync.WaitGroup
}

type endpointQueue struct {
	jobs     []job
	inflight int
	degraded bool
	progress time.Time // when a request last finished, or the queue last became busy
}

// stalled reports whether a busy endpoint has finished nothing for slowAttempt.
func (q *endpointQueue) stalled(now time.Time) bool {
	return q.inflight > 0 && now.Sub(q.progress) > slowAttempt
}

func newDispatcher(ctx context.Context, run func(context.Context, job) outcome, concurrency, perEndpoint, queueSize int) *dispatcher {
	d := &dispatcher{
		ctx:         ctx,
		run:         run,
		perEndpoint: perEndpoint,
		queueSize:   queueSize,
		maxQueued:   max(4*concurrency, 16*queueSize),
		sem:         make(chan struct{}, concurrency),
		queues:      map[string]*endpointQueue{},
	}
	d.cond = sync.NewCond(&d.mu)
	context.AfterFunc(ctx, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.cond.Broadcast()
	})
	return d
}

// Submit queues j on its endpoint, waiting while too many jobs are queued in
// total. It returns false, without waiting, when the endpoint cannot take
// the job: its queue is full, or it is degraded and busy.
func (d *dispatcher) Submit(j job) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.queued >= d.maxQueued && d.ctx.Err() == nil {
		d.cond.Wait()
	}
	if d.ctx.Err() != nil {
		return false
	}
	var wake *time.Timer
	defer func() {
		if wake != nil {
			wake.Stop()
		}
	}()
	for {
		q := d.queues[j.endpointID]
		if q == nil {
			q = &endpointQueue{}
			d.queues[j.endpointID] = q
		}
		limit, size := d.perEndpoint, d.queueSize
		if q.degraded {
			limit, size = 1, 0
		}
		switch {
		case q.inflight < limit:
			if q.inflight == 0 {
				q.progress = time.Now()
			}
			q.inflight++
			d.wg.Add(1)
			go d.work(j.endpointID, q, j)
			return true
		case len(q.jobs) < size:
			q.jobs = append(q.jobs, j)
			d.queued++
			return true
		case q.degraded || q.stalled(time.Now()) || d.ctx.Err() != nil:
			return false
		}
		// Busy but progressing: wait for room, and look again once it
		// could have stalled.
		if wake == nil {
			wake = time.AfterFunc(slowAttempt, func() {
				d.mu.Lock()
				defer d.mu.Unlock()
				d.cond.Broadcast()
			})
		} else {
			wake.Reset(slowAttempt)
		}
		d.cond.Wait()
	}
}

// work runs first and then the endpoint's queued jobs until none is left.
func (d *dispatcher) work(endpointID string, q *endpointQueue, first job) {
	defer d.wg.Done()
	j := first
	for {
		select {
		case d.sem <- struct{}{}:
		case <-d.ctx.Done():
			d.retire(endpointID, q)
			return
		}
		out := d.run(d.ctx, j)
		<-d.sem

		d.mu.Lock()
		q.degraded = !out.ok || out.duration > slowAttempt
		q.progress = time.Now()
		d.cond.Broadcast()
		if len(q.jobs) == 0 || d.ctx.Err() != nil {
			d.retireLocked(endpointID, q)
			d.mu.Unlock()
			return
		}
		j = q.jobs[0]
		q.jobs[0] = job{}
		q.jobs = q.jobs[1:]
		d.queued--
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

func (d *dispatcher) retire(endpointID string, q *endpointQueue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.retireLocked(endpointID, q)
}

// retireLocked ends one worker of q; the queue of an idle, healthy endpoint
// is forgotten. Jobs left queued at shutdown are simply dropped: their
// records are not committed and are delivered again after a restart.
func (d *dispatcher) retireLocked(endpointID string, q *endpointQueue) {
	q.inflight--
	if q.inflight == 0 && len(q.jobs) == 0 && !q.degraded {
		delete(d.queues, endpointID)
	}
}

// Wait blocks until every worker stopped; call it after the context ended.
func (d *dispatcher) Wait() { d.wg.Wait() }
