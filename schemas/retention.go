package schemas

import (
	"reflect"
	"time"
)

// Retention is a tenant's retention setting: how many days raw samples are
// kept (0 keeps them forever). The ClickHouse sink applies it.
type Retention struct {
	Tenant         string    `avro:"tenant"`
	RawSamplesDays int32     `avro:"raw_samples_days"`
	UpdatedAt      time.Time `avro:"updated_at"`
}

// StateRetention holds each tenant's Retention, keyed by tenant.
const StateRetention = "retention"

func (t Topics) retentionBindings() []Binding {
	return []Binding{{t.State(StateRetention), Retention{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(Retention{})] = "retention.avsc"
}
