package jobs

// The ingest worker consumes wearables.ingest.jobs in the consumer group
// wearstream-ingest: every instance owns some partitions, and so some users
// (jobs are keyed by user id). A job is one step: a poll or backfill step
// runs, produces what it fetched to the provider's raw topic, and enqueues
// the next step before its own offset is committed, so a run resumes where
// it stopped after a crash (a step may run twice; ids are deterministic, so
// the data does not duplicate). A job that fails is run again, up to
// jobAttempts times with a backoff; a job that still fails, or can never
// run (undecodable, unknown provider or kind), is dead-lettered with the
// reason, and a poll or backfill it belonged to is recorded as failed. A
// job's offset is committed only once the job ran or its dead letter was
// acknowledged; while Kafka refuses the dead letter the worker retries it
// and consumes nothing further, and on shutdown it leaves the job
// uncommitted, so it runs again after a restart: no job is dropped silently.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// Group is the consumer group of the ingest workers.
const Group = "wearstream-ingest"

// JobRefresh is the job that refreshes a connection's token.
const JobRefresh = "refresh"

// Worker runs ingest jobs and schedules polls.
type Worker struct {
	env      *app.Env
	http     *http.Client
	logger   *slog.Logger
	tick     time.Duration
	limiters map[string]*ingest.Limiter
	group    []kgo.Opt // extra consumer group options

	mu         sync.Mutex
	owned      map[int32]bool
	partitions int
	scheduled  map[string]time.Time // connection key + job kind -> when enqueued

	// backfillMu serialises changes to pushed backfills (backfill.go);
	// backfillTimeout is how long a requested type waits for its push.
	backfillMu      sync.Mutex
	backfillTimeout time.Duration

	// registrationRetry is the first wait after a failed webhook
	// registration; registering names those in flight (subscriptions.go).
	registrationRetry time.Duration
	registering       map[string]bool
}

// Option configures a Worker.
type Option func(*Worker)

// WithHTTPClient sets the client of provider requests.
func WithHTTPClient(c *http.Client) Option { return func(w *Worker) { w.http = c } }

// WithGroupOpts adds client options to the worker's consumer group client
// (static membership, session timeout).
func WithGroupOpts(opts ...kgo.Opt) Option {
	return func(w *Worker) { w.group = append(w.group, opts...) }
}

// WithTick sets how often the scheduler looks for due connections (by
// default a tenth of the poll interval, at most a minute).
func WithTick(d time.Duration) Option { return func(w *Worker) { w.tick = d } }

// NewWorker returns a worker over env.
func NewWorker(env *app.Env, opts ...Option) *Worker {
	w := &Worker{
		env: env, http: &http.Client{Timeout: 60 * time.Second},
		logger:   env.Logger.With("component", "ingest"),
		tick:     min(env.Config.PollInterval/10, time.Minute),
		limiters: map[string]*ingest.Limiter{},
		owned:    map[int32]bool{}, scheduled: map[string]time.Time{},
		backfillTimeout:   DefaultBackfillTimeout,
		registrationRetry: DefaultRegistrationRetry, registering: map[string]bool{},
	}
	for _, p := range ingest.All() {
		w.limiters[p.Name] = ingest.NewLimiter(p.RateLimit)
	}
	for _, o := range opts {
		o(w)
	}
	w.tick = max(w.tick, 10*time.Millisecond)
	return w
}

// Run consumes jobs and schedules polls until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	topic := w.env.Topics.IngestJobs()
	cl, err := kgo.NewClient(append(append(w.env.Metrics.KafkaHooks("wearstream-ingest"),
		kgo.SeedBrokers(w.env.Brokers...),
		kgo.ConsumerGroup(Group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.OnPartitionsAssigned(func(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
			w.assign(m[topic], true)
			go w.share(ctx, cl)
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { w.assign(m[topic], false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { w.assign(m[topic], false) }),
	), w.group...)...)
	if err != nil {
		return fmt.Errorf("cannot create ingest consumer: %w", err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil || topics[topic].Err != nil {
		return fmt.Errorf("cannot read topic %s: %w", topic, errors.Join(err, topics[topic].Err))
	}
	w.mu.Lock()
	w.partitions = len(topics[topic].Partitions)
	w.mu.Unlock()

	go w.schedule(ctx)
	for {
		fetches := cl.PollRecords(ctx, 8)
		if ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			w.logger.Warn("ingest fetch error", "topic", t, "partition", p, "err", err)
		})
		for _, r := range fetches.Records() {
			if !w.handleRecord(ctx, r) {
				return nil // stopping: the job runs again after a restart
			}
			if err := cl.CommitRecords(ctx, r); err != nil && ctx.Err() == nil {
				w.logger.Warn("cannot commit ingest job", "offset", r.Offset, "err", err)
			}
		}
	}
}

// share divides every provider's rate limit by the group's member count.
func (w *Worker) share(ctx context.Context, cl *kgo.Client) {
	groups, err := kadm.NewClient(cl).DescribeGroups(ctx, Group)
	if err != nil {
		return
	}
	n := max(len(groups[Group].Members), 1)
	for _, l := range w.limiters {
		l.SetShare(n)
	}
}

func (w *Worker) assign(parts []int32, owned bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range parts {
		if owned {
			w.owned[p] = true
		} else {
			delete(w.owned, p)
		}
	}
}

// jobAttempts is how many times a failing job runs before it is
// dead-lettered; jobBackoff is the wait before the second run, doubled after.
const (
	jobAttempts = 3
	jobBackoff  = time.Second
)

// errUnrunnable marks a job that fails the same way however often it runs.
var errUnrunnable = errors.New("job cannot run")

// handleRecord runs the job in r, retrying it, and dead-letters it when it
// keeps failing. It returns false only when ctx ended before the job ran or
// was dead-lettered: its offset must then not be committed.
func (w *Worker) handleRecord(ctx context.Context, r *kgo.Record) bool {
	var j schemas.IngestJob
	if err := w.env.Serde.Decode(r.Value, &j); err != nil {
		return w.deadLetter(ctx, r, fmt.Errorf("%w: cannot decode ingest job: %w", errUnrunnable, err))
	}
	backoff := jobBackoff
	for attempt := 1; ; attempt++ {
		err := w.Handle(ctx, j)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		w.logger.Warn("ingest job failed", "kind", j.Kind, "provider", j.Provider, "user_id", j.UserID, "attempt", attempt, "err", err)
		if attempt >= jobAttempts || errors.Is(err, errUnrunnable) {
			w.failRun(ctx, j, err)
			return w.deadLetter(ctx, r, fmt.Errorf("%s job failed %d times: %w", j.Kind, attempt, err))
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// failRun records the poll or backfill run of j, if any, as failed.
func (w *Worker) failRun(ctx context.Context, j schemas.IngestJob, cause error) {
	if j.Kind != ingest.TaskPoll && j.Kind != ingest.TaskBackfill || j.RunID == "" {
		return
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	run := runOf(w.env, j, now)
	if run.Status != runInProgress {
		return
	}
	if err := finishRun(ctx, w.env, run, j.Items, now, cause); err != nil {
		w.logger.Warn("cannot record the failed run", "run_id", j.RunID, "err", err)
	}
}

// deadLetter writes r to the dead-letter topic, retrying with a backoff
// until Kafka acknowledges it. It returns false when ctx ended first.
func (w *Worker) deadLetter(ctx context.Context, r *kgo.Record, cause error) bool {
	backoff := 100 * time.Millisecond
	for {
		err := w.env.DeadLetter(ctx, r, "ingest", app.WithReason(cause, "job_failed"))
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		w.logger.Error("cannot dead-letter ingest job; retrying", "offset", r.Offset, "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// Handle runs one job. Errors of poll and backfill steps end their run and
// are not returned; other errors are.
func (w *Worker) Handle(ctx context.Context, j schemas.IngestJob) error {
	p, ok := ingest.Lookup(j.Provider)
	if !ok {
		return fmt.Errorf("%w: unknown provider %q", errUnrunnable, j.Provider)
	}
	key := schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider)
	now := time.Now().UTC().Truncate(time.Millisecond)
	switch j.Kind {
	case ingest.TaskPoll, ingest.TaskBackfill:
		return w.step(ctx, p, j)
	case ingest.TaskFetch:
		c, ok := w.env.Tables.Connections.Get(key)
		if !ok || c.Status != schemas.ConnectionActive || p.Fetch == nil {
			return nil // disconnected since the webhook: nothing to fetch with
		}
		if !Enabled(w.env, c.Tenant, p) {
			return nil // the tenant disabled the provider since the webhook
		}
		s, err := Session(ctx, w.env, w.http, w.limiters[p.Name], p, c)
		if errors.Is(err, ErrRevoked) {
			return nil
		}
		if err != nil {
			return err
		}
		fetched, err := p.Fetch(ctx, s, ingest.Task{Kind: ingest.TaskFetch, DataType: j.DataType, URL: j.URL})
		if err != nil {
			return err
		}
		return w.produce(ctx, c, fetched, schemas.KindPoll)
	case JobRefresh:
		c, ok := w.env.Tables.Connections.Get(key)
		if !ok || c.Status != schemas.ConnectionActive || p.OAuth == nil {
			return nil
		}
		if _, err := Refresh(ctx, w.env, w.http, p, c); err != nil && !errors.Is(err, ErrRevoked) {
			return err
		}
		return nil
	case ingest.JobRevoke:
		if _, err := Revoke(ctx, w.env, key, ReasonDeregistration, now); err != nil && !errors.Is(err, ErrRevoked) {
			return err
		}
		return nil
	case JobDelivered, JobBackfillRetry, JobBackfillCancel:
		return w.handleBackfillJob(ctx, p, j)
	case ingest.JobPermissions:
		c, ok := w.env.Tables.Connections.Get(key)
		if !ok {
			return nil
		}
		c.Scopes, c.UpdatedAt = j.Permissions, now
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
		return w.env.Tables.Connections.Put(ctx, key, c)
	}
	return fmt.Errorf("%w: unknown job kind %q", errUnrunnable, j.Kind)
}

// step runs one step of a poll or backfill and enqueues the next.
func (w *Worker) step(ctx context.Context, p ingest.Provider, j schemas.IngestJob) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	run := runOf(w.env, j, now)
	if run.Status != runInProgress {
		return nil // finished before: a replayed job
	}
	if j.Step == 0 && run.UpdatedAt.Equal(run.StartedAt) {
		if err := saveRun(ctx, w.env, run, schemas.EventSyncStarted); err != nil {
			return err
		}
	}
	pushed := j.Kind == ingest.TaskBackfill && Pushed(p) && p.Plan != nil
	if pushed && j.Step == 0 {
		if err := w.startPushed(ctx, j, p.Plan(j.Kind, j.WindowStart, j.WindowEnd), now); err != nil {
			return err
		}
	}
	if pushed && w.cancelled(j) {
		return nil // the cancel ended the run
	}
	key := schemas.ConnectionKey(j.Tenant, j.UserID, j.Provider)
	c, ok := w.env.Tables.Connections.Get(key)
	if !ok || c.Status != schemas.ConnectionActive {
		return finishRun(ctx, w.env, run, j.Items, now, ErrRevoked)
	}
	if p.Plan == nil || p.Fetch == nil {
		return finishRun(ctx, w.env, run, j.Items, now, fmt.Errorf("%s cannot be fetched from", p.Name))
	}
	tasks := p.Plan(j.Kind, j.WindowStart, j.WindowEnd)
	if int(j.Step) >= len(tasks) {
		if j.Kind == ingest.TaskPoll {
			w.advanceCursor(ctx, key, j.WindowEnd)
		}
		if pushed {
			// Done when the pushes arrive (backfill.go); the run waits.
			run.UpdatedAt, run.Message = now, fmt.Sprintf("%d requests sent; waiting for the pushes", len(tasks))
			return saveRun(ctx, w.env, run, "")
		}
		return finishRun(ctx, w.env, run, j.Items, now, nil)
	}
	s, err := Session(ctx, w.env, w.http, w.limiters[p.Name], p, c)
	if err != nil {
		if pushed {
			w.failPushed(ctx, key, err, now)
		}
		return finishRun(ctx, w.env, run, j.Items, now, err)
	}
	fetched, err := p.Fetch(ctx, s, tasks[j.Step])
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the step runs again on restart
	}
	if pushed && (err == nil || errors.Is(err, ingest.ErrAlreadyRequested)) {
		if err := w.requested(ctx, key, tasks[j.Step].DataType, false, err, now); err != nil {
			return err
		}
		err = nil
	}
	if err != nil {
		if pushed {
			w.failPushed(ctx, key, err, now)
		}
		return finishRun(ctx, w.env, run, j.Items, now, err)
	}
	kind := schemas.KindPoll
	if j.Kind == ingest.TaskBackfill {
		kind = schemas.KindBackfill
	}
	if err := w.produce(ctx, c, fetched, kind); err != nil {
		return err
	}
	run.ItemsProcessed = j.Items + int64(len(fetched))
	run.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	run.Message = fmt.Sprintf("%s: step %d of %d (%s)", j.Kind, j.Step+1, len(tasks), tasks[j.Step].DataType)
	if err := saveRun(ctx, w.env, run, ""); err != nil {
		return err
	}
	next := j
	next.ID, next.CreatedAt = "", time.Time{}
	next.Step++
	next.Items = run.ItemsProcessed
	return Enqueue(ctx, w.env, next)
}

// advanceCursor moves a connection's poll cursor forward to t.
func (w *Worker) advanceCursor(ctx context.Context, key string, t time.Time) {
	c, ok := w.env.Tables.Connections.Get(key)
	if !ok || c.Status != schemas.ConnectionActive || !t.After(c.LastSyncedAt) {
		return
	}
	c.LastSyncedAt = t
	if err := w.env.Tables.Connections.Put(ctx, key, c); err != nil {
		w.logger.Warn("cannot save poll cursor", "connection", key, "err", err)
	}
}

// produce keeps fetched bodies as raw events of c's user.
func (w *Worker) produce(ctx context.Context, c schemas.Connection, fetched []ingest.Fetched, kind schemas.RawKind) error {
	for _, f := range fetched {
		k := kind
		if f.Kind != "" {
			k = f.Kind
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		if err := ProduceRaw(ctx, w.env, c, k, ct, f.Body); err != nil {
			return err
		}
	}
	return nil
}

// ProduceRaw produces body as a raw event of connection c's user.
func ProduceRaw(ctx context.Context, env *app.Env, c schemas.Connection, kind schemas.RawKind, contentType string, body []byte) error {
	raw := schemas.RawEvent{
		ID: uuid.NewString(), ReceivedAt: time.Now().UTC().Truncate(time.Millisecond),
		Tenant: c.Tenant, Provider: c.Provider, Kind: string(kind), UserID: c.UserID,
		ProviderUserID: c.ProviderUserID, ContentType: contentType, Headers: map[string]string{},
		Body: body, Parts: 1,
	}
	value, err := env.Serde.Encode(raw)
	if err != nil {
		return err
	}
	rec := &kgo.Record{Topic: env.Topics.Raw(c.Provider), Key: []byte(c.UserID), Value: value}
	if err := env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot produce %s raw event: %w", c.Provider, err)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
