package schemas

import "time"

// The canonical records. Each type maps one-to-one onto an Avro schema in
// avro/ (field names are the `avro` tags), and each canonical type carries a
// deterministic ID (see ids.go) so that re-ingesting the same data yields the
// same records.
//
// Conventions shared by every record:
//   - times are UTC instants; ZoneOffset is the local offset at that instant,
//     in minutes east of UTC;
//   - values are in the catalog unit of their series type (catalog.go);
//   - Version orders revisions of one record: the highest wins in ClickHouse
//     (ReplacingMergeTree) and a higher version is an update, not a new record;
//   - an empty string means "not known", a nil pointer means "not measured".

// RawKind tells how a raw event reached the gateway.
type RawKind string

// The kinds of raw event.
const (
	KindWebhook  RawKind = "webhook"
	KindSDK      RawKind = "sdk"
	KindPoll     RawKind = "poll"
	KindBackfill RawKind = "backfill"
	KindImport   RawKind = "import"
	// KindAPI is a change the API requested (a deleted workout or sleep
	// session), in a format of its own that only this kind may carry.
	KindAPI RawKind = "api"
)

// RawEvent is an untouched body from a provider, an SDK or a file, as the
// gateway or a poller received it.
type RawEvent struct {
	ID             string            `avro:"id"`
	ReceivedAt     time.Time         `avro:"received_at"`
	Tenant         string            `avro:"tenant"`
	Provider       string            `avro:"provider"`
	Kind           string            `avro:"kind"`
	UserID         string            `avro:"user_id"`
	ProviderUserID string            `avro:"provider_user_id"`
	ContentType    string            `avro:"content_type"`
	Headers        map[string]string `avro:"headers"`
	Body           []byte            `avro:"body"`
	Part           int32             `avro:"part"`
	Parts          int32             `avro:"parts"`
}

// Source says where a record came from. ID is the stable identity of the
// writer (provider plus app or device identifier) and is part of a sample's
// identity; Device, DeviceType and Name are descriptive and may arrive later
// without creating a second copy of the history.
type Source struct {
	Provider   string `avro:"provider"`
	ID         string `avro:"id"`
	Name       string `avro:"name"`
	Device     string `avro:"device"`
	DeviceType string `avro:"device_type"`
}

// Sample is one value of a time series.
type Sample struct {
	Time         time.Time `avro:"ts"`
	Value        float64   `avro:"value"`
	ZoneOffset   int32     `avro:"zone_offset"`
	IsDailyTotal *bool     `avro:"is_daily_total"`
}

// SampleBatch is the samples of one series type from one source for one
// user, as they arrived in one ingestion.
type SampleBatch struct {
	ID         string    `avro:"id"`
	Tenant     string    `avro:"tenant"`
	UserID     string    `avro:"user_id"`
	Source     Source    `avro:"source"`
	SeriesType string    `avro:"series_type"`
	Unit       string    `avro:"unit"`
	Version    int64     `avro:"version"`
	RawEventID string    `avro:"raw_event_id"`
	IngestedAt time.Time `avro:"ingested_at"`
	Samples    []Sample  `avro:"samples"`
	// Deletion, when set, makes the batch a deletion: it carries no
	// samples and removes every sample of the user of SeriesType from
	// Source.ID (from every source of Source.Provider when Source.ID is
	// empty) whose time lies in the range and whose version is below
	// Version.
	Deletion *SampleDeletion `avro:"deletion" json:",omitempty"`
}

// SampleDeletion is the time range of a deleting SampleBatch: [Start, End).
type SampleDeletion struct {
	Start time.Time `avro:"start"`
	End   time.Time `avro:"end"`
}

// Workout is one exercise session with its statistics.
type Workout struct {
	ID                  string    `avro:"id"`
	Tenant              string    `avro:"tenant"`
	UserID              string    `avro:"user_id"`
	Source              Source    `avro:"source"`
	ProviderRecordID    string    `avro:"provider_record_id"`
	Type                string    `avro:"type"`
	Name                string    `avro:"name"`
	StartTime           time.Time `avro:"start_time"`
	EndTime             time.Time `avro:"end_time"`
	ZoneOffset          int32     `avro:"zone_offset"`
	DurationSeconds     float64   `avro:"duration_seconds"`
	CaloriesKcal        *float64  `avro:"calories_kcal"`
	DistanceMeters      *float64  `avro:"distance_meters"`
	AvgHeartRateBPM     *float64  `avro:"avg_heart_rate_bpm"`
	MaxHeartRateBPM     *float64  `avro:"max_heart_rate_bpm"`
	MinHeartRateBPM     *float64  `avro:"min_heart_rate_bpm"`
	AvgPaceSecPerKm     *float64  `avro:"avg_pace_sec_per_km"`
	ElevationGainMeters *float64  `avro:"elevation_gain_meters"`
	Steps               *float64  `avro:"steps"`
	AvgSpeedMPS         *float64  `avro:"avg_speed_mps"`
	MaxSpeedMPS         *float64  `avro:"max_speed_mps"`
	AvgPowerWatts       *float64  `avro:"avg_power_watts"`
	Version             int64     `avro:"version"`
	Deleted             bool      `avro:"deleted"`
	RawEventID          string    `avro:"raw_event_id"`
	IngestedAt          time.Time `avro:"ingested_at"`
	// Change says what this revision is: ChangeCreated, ChangeUpdated or
	// ChangeDeleted (the processor sets it; empty in older records).
	Change string `avro:"change"`

	// Laps are the workout's laps and segments, in time order.
	Laps []WorkoutLap `avro:"laps"`
}

// SleepInterval is one stage segment of a sleep session.
type SleepInterval struct {
	Stage string    `avro:"stage"`
	Start time.Time `avro:"start_time"`
	End   time.Time `avro:"end_time"`
}

// SleepStages holds the minutes spent in each stage of a session.
type SleepStages struct {
	AwakeMinutes float64 `avro:"awake_minutes"`
	LightMinutes float64 `avro:"light_minutes"`
	DeepMinutes  float64 `avro:"deep_minutes"`
	RemMinutes   float64 `avro:"rem_minutes"`
}

// Sleep is one sleep session (a night or a nap) with its stages.
type Sleep struct {
	ID                   string          `avro:"id"`
	Tenant               string          `avro:"tenant"`
	UserID               string          `avro:"user_id"`
	Source               Source          `avro:"source"`
	ProviderRecordID     string          `avro:"provider_record_id"`
	StartTime            time.Time       `avro:"start_time"`
	EndTime              time.Time       `avro:"end_time"`
	ZoneOffset           int32           `avro:"zone_offset"`
	DurationSeconds      float64         `avro:"duration_seconds"`
	SleepDurationSeconds float64         `avro:"sleep_duration_seconds"`
	InBedSeconds         float64         `avro:"in_bed_seconds"`
	EfficiencyPercent    *float64        `avro:"efficiency_percent"`
	Stages               *SleepStages    `avro:"stages"`
	IsNap                bool            `avro:"is_nap"`
	Intervals            []SleepInterval `avro:"intervals"`
	Version              int64           `avro:"version"`
	Deleted              bool            `avro:"deleted"`
	RawEventID           string          `avro:"raw_event_id"`
	IngestedAt           time.Time       `avro:"ingested_at"`
	// Change says what this revision is, as on Workout.
	Change string `avro:"change"`
}

// Lifecycle is a connection or sync event (connection.created,
// connection.revoked, sync.started, sync.completed, sync.failed, ...).
// Fields that do not apply to the event type are empty.
type Lifecycle struct {
	ID             string    `avro:"id"`
	Tenant         string    `avro:"tenant"`
	UserID         string    `avro:"user_id"`
	Type           string    `avro:"type"`
	Provider       string    `avro:"provider"`
	OccurredAt     time.Time `avro:"occurred_at"`
	ConnectionID   string    `avro:"connection_id"`
	Reason         string    `avro:"reason"`
	RunID          string    `avro:"run_id"`
	SyncSource     string    `avro:"sync_source"`
	Message        string    `avro:"message"`
	Status         string    `avro:"status"`
	Error          string    `avro:"error"`
	ItemsProcessed int64     `avro:"items_processed"`
	EndpointID     string    `avro:"endpoint_id"`
}

// DeadLetter is a record that a stage could not process, kept with the
// reason so that it can be inspected and replayed.
type DeadLetter struct {
	Topic     string    `avro:"topic"`
	Partition int32     `avro:"partition"`
	Offset    int64     `avro:"offset"`
	Key       []byte    `avro:"key"`
	Value     []byte    `avro:"value"`
	Stage     string    `avro:"stage"`
	Error     string    `avro:"error"`
	FailedAt  time.Time `avro:"failed_at"`
}

// Attempt is one try at delivering one webhook message to one endpoint.
type Attempt struct {
	ID           string    `avro:"id"`
	MessageID    string    `avro:"message_id"`
	Tenant       string    `avro:"tenant"`
	EndpointID   string    `avro:"endpoint_id"`
	UserID       string    `avro:"user_id"`
	EventType    string    `avro:"event_type"`
	Attempt      int32     `avro:"attempt"`
	Trigger      string    `avro:"trigger"`
	StatusCode   int32     `avro:"status_code"`
	Success      bool      `avro:"success"`
	Error        string    `avro:"error"`
	DurationMS   int64     `avro:"duration_ms"`
	ResponseBody string    `avro:"response_body"`
	AttemptedAt  time.Time `avro:"attempted_at"`
	NextAttempt  time.Time `avro:"next_attempt_at"`
	Payload      []byte    `avro:"payload"`
	Deferrals    int32     `avro:"deferrals"`
}

// Tenant is an isolated customer of the deployment.
type Tenant struct {
	ID        string    `avro:"id"`
	Name      string    `avro:"name"`
	CreatedAt time.Time `avro:"created_at"`
}

// APIKey is a hashed API key; the key itself is shown once and never stored.
type APIKey struct {
	Hash      string    `avro:"hash"`
	ID        string    `avro:"id"`
	Tenant    string    `avro:"tenant"`
	Name      string    `avro:"name"`
	Role      string    `avro:"role"`
	Prefix    string    `avro:"prefix"`
	CreatedAt time.Time `avro:"created_at"`
}

// User is a person whose data the tenant collects.
type User struct {
	ID             string    `avro:"id"`
	Tenant         string    `avro:"tenant"`
	ExternalUserID string    `avro:"external_user_id"`
	Email          string    `avro:"email"`
	FirstName      string    `avro:"first_name"`
	LastName       string    `avro:"last_name"`
	CreatedAt      time.Time `avro:"created_at"`
}

// Endpoint is a subscriber URL for outbound webhooks. The signing secret is
// stored encrypted (SecretEnc); SecretPrevEnc and SecretPrevUntil keep a
// rotated-out secret valid for a while.
type Endpoint struct {
	ID              string    `avro:"id"`
	Tenant          string    `avro:"tenant"`
	URL             string    `avro:"url"`
	Description     string    `avro:"description"`
	FilterTypes     []string  `avro:"filter_types"`
	UserID          string    `avro:"user_id"`
	SecretEnc       []byte    `avro:"secret_enc"`
	SecretPrevEnc   []byte    `avro:"secret_prev_enc"`
	SecretPrevUntil time.Time `avro:"secret_prev_until"`
	Disabled        bool      `avro:"disabled"`
	CreatedAt       time.Time `avro:"created_at"`
	UpdatedAt       time.Time `avro:"updated_at"`
}

// EndpointHealth is a webhook endpoint's current failure streak, kept apart
// from the Endpoint so that the delivery consumers never overwrite an edit
// made through the API. FailingSince is zero while the endpoint succeeds.
type EndpointHealth struct {
	EndpointID   string    `avro:"endpoint_id"`
	FailingSince time.Time `avro:"failing_since"`
	LastFailure  time.Time `avro:"last_failure"`
	LastError    string    `avro:"last_error"`
}

// SyncRun is the latest state of one sync run: an import of a file, and
// later pulls and backfills. The gateway keeps it in the compacted
// wearables.state.sync_runs topic, keyed by ID, next to the sync.* Lifecycle
// events it produces; EndedAt is zero while the run is in progress.
type SyncRun struct {
	ID             string    `avro:"id"`
	Tenant         string    `avro:"tenant"`
	UserID         string    `avro:"user_id"`
	Provider       string    `avro:"provider"`
	Source         string    `avro:"source"`
	Status         string    `avro:"status"`
	Message        string    `avro:"message"`
	Error          string    `avro:"error"`
	ItemsProcessed int64     `avro:"items_processed"`
	BytesProcessed int64     `avro:"bytes_processed"`
	StartedAt      time.Time `avro:"started_at"`
	UpdatedAt      time.Time `avro:"updated_at"`
	EndedAt        time.Time `avro:"ended_at"`
}

// Connection statuses.
const (
	ConnectionActive  = "active"
	ConnectionRevoked = "revoked"
)

// Connection is a user's link to a cloud provider, kept in the compacted
// wearables.state.connections topic under ConnectionKey. The OAuth tokens
// are encrypted (secrets.Box) with the connection id as associated data, so
// a ciphertext copied onto another connection does not decrypt.
type Connection struct {
	ID               string    `avro:"id"`
	Tenant           string    `avro:"tenant"`
	UserID           string    `avro:"user_id"`
	Provider         string    `avro:"provider"`
	ProviderUserID   string    `avro:"provider_user_id"`
	ProviderUsername string    `avro:"provider_username"`
	AccessTokenEnc   []byte    `avro:"access_token_enc"`
	RefreshTokenEnc  []byte    `avro:"refresh_token_enc"`
	TokenType        string    `avro:"token_type"`
	ExpiresAt        time.Time `avro:"expires_at"`
	Scopes           []string  `avro:"scopes"`
	Status           string    `avro:"status"`
	Reason           string    `avro:"reason"`
	CreatedAt        time.Time `avro:"created_at"`
	UpdatedAt        time.Time `avro:"updated_at"`
	LastSyncedAt     time.Time `avro:"last_synced_at"`
	RefreshedAt      time.Time `avro:"refreshed_at"`
}

// ConnectionKey is the state key of a user's connection to a provider.
func ConnectionKey(tenant, userID, provider string) string {
	return tenant + "/" + userID + "/" + provider
}

// IngestJob is one unit of work for the ingest workers, on the
// wearables.ingest.jobs topic keyed by user id, so that the workers of a
// consumer group share users by partition.
type IngestJob struct {
	ID             string    `avro:"id"`
	Tenant         string    `avro:"tenant"`
	UserID         string    `avro:"user_id"`
	Provider       string    `avro:"provider"`
	Kind           string    `avro:"kind"`
	RunID          string    `avro:"run_id"`
	Step           int32     `avro:"step"`
	WindowStart    time.Time `avro:"window_start"`
	WindowEnd      time.Time `avro:"window_end"`
	URL            string    `avro:"url"`
	DataType       string    `avro:"data_type"`
	ProviderUserID string    `avro:"provider_user_id"`
	Permissions    []string  `avro:"permissions"`
	Reason         string    `avro:"reason"`
	Items          int64     `avro:"items"`
	CreatedAt      time.Time `avro:"created_at"`
}
