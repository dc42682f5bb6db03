package processors

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/schemas"
)

var erasedEvents = prometheus.NewCounter(prometheus.CounterOpts{
	Namespace: metrics.Namespace, Subsystem: "processor", Name: "erased_events_total",
	Help: "Raw events that emitted nothing because their user, or their provider's data of the user, was erased.",
})

// Erasures is the erasure list as the processor asks it
// (*state.Erasures).
type Erasures interface {
	Covers(userID, provider string, at time.Time) bool
}

// erased reports whether raw belongs to an erased user, or to a provider
// whose data of the user was deleted after raw arrived. Such an event emits
// nothing, no changelog record either, and its offset is committed like any
// other: re-processing the raw topics from the beginning never brings an
// erased user back.
func (p *Processor) erased(raw schemas.RawEvent) bool {
	if p.cfg.Erasures == nil || raw.UserID == "" {
		return false
	}
	if p.cfg.Erasures.Covers(raw.UserID, raw.Provider, raw.ReceivedAt) {
		erasedEvents.Inc()
		return true
	}
	return false
}
