// Package ingest holds everything provider-specific: one package per provider
// (ingest/<provider>/) registers itself here with what it can do, and the
// rest of the system looks providers up by name instead of listing them.
package ingest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// Context is what a normaliser knows about a raw event besides its body.
type Context struct {
	Tenant     string
	UserID     string
	Provider   string
	RawEventID string
	ReceivedAt time.Time
	// Kind is how the raw event arrived (sdk, webhook, import, ...) and
	// ContentType the media type of its body, without parameters.
	Kind        string
	ContentType string
}

// Records is what a normaliser makes of one raw body.
type Records struct {
	Samples  []schemas.SampleBatch
	Workouts []schemas.Workout
	Sleep    []schemas.Sleep
	// Summaries are the provider's daily scores (sleep, readiness,
	// recovery, strain, ...), one per document and category. Left out of
	// JSON when empty, as in golden files of providers without scores.
	Summaries []schemas.Summary `json:",omitempty"`
	// SleepSegments are the sleep stage segments Sleep was made of, by
	// source. A processor that stitches sleep across uploads joins them
	// with the recent segments of earlier bodies and emits its own
	// sessions in place of Sleep.
	SleepSegments []schemas.SourceSleep
	// Deletions remove what the provider deleted without naming it by id:
	// the records of a time range (a Google Health DELETE notification),
	// or the samples a deleted record came with. Left out of JSON when
	// empty.
	Deletions []RangeDeletion `json:",omitempty"`
	// Spans are, by the id of a workout, sleep session or summary, the
	// time span of the samples its document came with, when it is not the
	// record's own ([start, end], or a summary's recorded time): an Oura
	// daily activity's MET series, Strava streams running past the moving
	// time. The processor keeps it, so that a delete naming the record
	// removes exactly those samples. Left out of JSON when empty.
	Spans map[string]Span `json:",omitempty"`
	// Skipped counts input items that were understood but not kept, by
	// reason or unknown type (for example "unknown type HKQuantityTypeIdentifierX").
	Skipped map[string]int
}

// The kinds of record a RangeDeletion removes.
const (
	DeleteWorkouts = "workout"
	DeleteSleep    = "sleep"
	DeleteSamples  = "samples"
)

// RangeDeletion removes, for the raw event's provider, tenant and user:
//
//   - Kind DeleteWorkouts or DeleteSleep: every workout or sleep session
//     the processor emitted whose start time lies in [Start, End);
//   - Kind DeleteSamples: every sample of SeriesTypes from SourceID (from
//     every source of the provider when SourceID is empty) whose time lies
//     in [Start, End) and whose version is below the raw event's.
//
// Record, instead of Start and End, names the canonical id of a workout,
// sleep session or summary the processor emitted: the range is then that
// record's span as the processor last saw it ([start, end] of a workout or
// sleep session, a summary's recorded time, or its entry in Records.Spans),
// for a provider whose delete names only the
// record it removed while the samples it came with must go too. A Record
// the processor does not know deletes nothing.
type RangeDeletion struct {
	Kind        string
	Start, End  time.Time `json:",omitzero"`
	Record      string    `json:",omitempty"`
	SeriesTypes []string  `json:",omitempty"`
	SourceID    string    `json:",omitempty"`
}

// SampleGroup is the series of the samples one kind of document adds from
// one source: what a delete of such a document removes with its record.
type SampleGroup struct {
	SourceID string
	Series   []string
}

// DeleteSamplesOf adds the deletions of the samples that came with the
// deleted record of canonical id record, one per group: the processor
// removes them over the span it last saw the record cover.
func (r *Records) DeleteSamplesOf(record string, groups []SampleGroup) {
	for _, g := range groups {
		r.Deletions = append(r.Deletions, RangeDeletion{
			Kind: DeleteSamples, Record: record, SeriesTypes: slices.Clone(g.Series), SourceID: g.SourceID,
		})
	}
}

// Span is a closed time range, [Start, End].
type Span struct{ Start, End time.Time }

// Skip counts one skipped item under reason.
func (r *Records) Skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
}

// Len is the number of canonical records.
func (r *Records) Len() int {
	return len(r.Samples) + len(r.Workouts) + len(r.Sleep) + len(r.Summaries)
}

// Normalizer turns one raw body into canonical records. It returns an error
// only when the body as a whole cannot be understood; single bad items are
// skipped and counted.
type Normalizer func(ctx Context, body []byte) (Records, error)

// Provider is one source of data and what it can do.
type Provider struct {
	// Name is the provider's id: apple, samsung, google, garmin, ...
	Name string
	// DisplayName is the provider's name for people.
	DisplayName string
	// SDK is true for providers whose data comes from the mobile SDKs.
	SDK bool
	// Normalize turns the provider's raw bodies into canonical records.
	Normalize Normalizer

	// Capabilities are what the provider can do, as Open Wearables' flags.
	Capabilities Capabilities
	// OAuth connects users' cloud accounts (oauth.go); nil for providers
	// without one.
	OAuth *OAuth
	// Webhook verifies and reads the provider's incoming webhooks
	// (webhook.go); nil when it sends none.
	Webhook *Webhook
	// RateLimit is the provider's request budget for the whole deployment;
	// zero means unlimited.
	RateLimit RateLimit
	// Plan cuts a poll or a backfill of the window [start, end) into steps;
	// nil for providers that are never polled.
	Plan func(kind string, start, end time.Time) []Task
	// Fetch runs one step of a plan, or a fetch that a webhook asked for,
	// with the user's token, and returns the bodies to keep as raw events.
	Fetch func(ctx context.Context, s *Session, t Task) ([]Fetched, error)
	// Maintain keeps what the provider holds for the whole application in
	// order (Oura's webhook subscriptions): one ingest worker runs it at
	// start and every MaintainEvery (a day when 0), with a session that
	// carries no user token. webhookURL is where the provider's webhooks
	// are received, "" when no public URL is configured. nil for none.
	Maintain func(ctx context.Context, s *Session, webhookURL string) error
	// MaintainEvery is how often Maintain runs.
	MaintainEvery time.Duration
	// Subscriptions registers and manages the provider's webhook
	// subscriptions by API (subscriptions.go); nil for providers whose
	// webhooks are set up in their portal.
	Subscriptions *Subscriptions
	// Granularities are the data granularities a tenant may set for the
	// provider (PUT /api/v1/oauth/providers/{provider}), the default
	// first; nil for providers without a choice.
	Granularities []string
}

var (
	mu        sync.RWMutex
	providers = map[string]Provider{}
)

// Register adds a provider; registering a name twice panics.
func Register(p Provider) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := providers[p.Name]; dup {
		panic(fmt.Sprintf("ingest: provider %q registered twice", p.Name))
	}
	for _, fn := range extensions[p.Name] {
		fn(&p)
	}
	delete(extensions, p.Name)
	providers[p.Name] = p
}

// extensions wait for the provider they extend to be registered.
var extensions = map[string][]func(*Provider){}

// Extend lets another file of a provider's package add to the provider
// registered under name (its OAuth settings, webhook handling, client and
// poller), whichever of Extend and Register runs first.
func Extend(name string, fn func(p *Provider)) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := providers[name]; ok {
		fn(&p)
		providers[name] = p
		return
	}
	extensions[name] = append(extensions[name], fn)
}

// formats are the normalisers of raw events that carry a body format of
// their own on a provider's topic, by provider and content type.
var formats = map[[2]string]Normalizer{}

// RegisterFormat registers the normaliser of the raw events of provider
// whose content type is contentType (an Apple Health export chunk on the
// apple topic, for example); they are not given to the provider's own
// Normalize. An empty provider registers the format on every provider's
// topic (the API's deletions). Registering a pair twice panics.
func RegisterFormat(provider, contentType string, n Normalizer) {
	mu.Lock()
	defer mu.Unlock()
	k := [2]string{provider, contentType}
	if _, dup := formats[k]; dup {
		panic(fmt.Sprintf("ingest: format %q of provider %q registered twice", contentType, provider))
	}
	formats[k] = n
}

// LookupFormat returns the normaliser registered for provider and
// contentType with RegisterFormat, or for contentType on every provider.
func LookupFormat(provider, contentType string) (Normalizer, bool) {
	mu.RLock()
	defer mu.RUnlock()
	if n, ok := formats[[2]string{provider, contentType}]; ok {
		return n, true
	}
	n, ok := formats[[2]string{"", contentType}]
	return n, ok
}

// Lookup returns the provider registered under name.
func Lookup(name string) (Provider, bool) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := providers[name]
	return p, ok
}

// All returns every registered provider, sorted by name.
func All() []Provider {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Provider, 0, len(providers))
	for _, p := range providers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
