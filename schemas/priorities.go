package schemas

import (
	"reflect"
	"time"
)

// StatePriorities holds each tenant's SourcePriorities, keyed by tenant.
const StatePriorities = "source_priorities"

// Priority ranks one provider or device type; lower wins.
type Priority struct {
	Name     string `avro:"name"`
	Priority int32  `avro:"priority"`
}

// SourcePriorities are a tenant's provider and device-type priorities for
// the daily summaries; names left out keep the defaults.
type SourcePriorities struct {
	Tenant      string     `avro:"tenant"`
	Providers   []Priority `avro:"providers"`
	DeviceTypes []Priority `avro:"device_types"`
	UpdatedAt   time.Time  `avro:"updated_at"`
}

func init() {
	schemaFiles[reflect.TypeOf(SourcePriorities{})] = "source_priorities.avsc"
}
