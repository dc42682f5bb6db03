package schemas

import (
	"reflect"
	"slices"
	"time"
)

// The categories of Summary: Open Wearables' health-score categories.
const (
	SummarySleep       = "sleep"
	SummaryRecovery    = "recovery"
	SummaryReadiness   = "readiness"
	SummaryActivity    = "activity"
	SummaryStress      = "stress"
	SummaryResilience  = "resilience"
	SummaryBodyBattery = "body_battery"
	SummaryStrain      = "strain"
)

var summaryCategories = []string{SummarySleep, SummaryRecovery, SummaryReadiness, SummaryActivity,
	SummaryStress, SummaryResilience, SummaryBodyBattery, SummaryStrain}

// SummaryCategories lists every Summary category.
func SummaryCategories() []string { return slices.Clone(summaryCategories) }

// IsSummaryCategory reports whether name is a Summary category.
func IsSummaryCategory(name string) bool { return slices.Contains(summaryCategories, name) }

// SummaryComponent is one named part of a score (a contributor), on the
// provider's scale.
type SummaryComponent struct {
	Name      string   `avro:"name"`
	Value     *float64 `avro:"value"`
	Qualifier string   `avro:"qualifier"`
}

// Summary is one daily score a provider computed for a user: a sleep,
// readiness, activity or recovery score, a strain, a body battery, ...
// One record per provider document and category; the value is on the
// provider's scale.
type Summary struct {
	ID               string    `avro:"id"`
	Tenant           string    `avro:"tenant"`
	UserID           string    `avro:"user_id"`
	Source           Source    `avro:"source"`
	ProviderRecordID string    `avro:"provider_record_id"`
	Category         string    `avro:"category"`
	Date             string    `avro:"date"` // the user's local day, YYYY-MM-DD
	RecordedAt       time.Time `avro:"recorded_at"`
	ZoneOffset       int32     `avro:"zone_offset"`
	Value            *float64  `avro:"value"`
	Qualifier        string    `avro:"qualifier"`
	// Components are the parts the score is made of, in a stable order.
	Components []SummaryComponent `avro:"components"`
	Version    int64              `avro:"version"`
	Deleted    bool               `avro:"deleted"`
	RawEventID string             `avro:"raw_event_id"`
	IngestedAt time.Time          `avro:"ingested_at"`
	// Change says what this revision is, as on Workout.
	Change string `avro:"change"`
}

// SummaryID returns the deterministic id of a summary: one per provider
// document and category, so a delete that names only the document finds it.
func SummaryID(tenant, userID, provider, category, providerRecordID string) string {
	return RecordID(tenant, userID, provider, "summary/"+category, providerRecordID)
}

func init() {
	schemaFiles[reflect.TypeOf(Summary{})] = "summary.avsc"
}
