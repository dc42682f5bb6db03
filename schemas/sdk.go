package schemas

import (
	"reflect"
	"time"
)

// The records of the mobile SDK flow: applications and the credentials
// they mint, SDK diagnostic events, and the open sleep sessions the
// processor keeps to stitch sleep across uploads.

// Application is a tenant's mobile app, whose credentials (app_id and a
// secret shown once) mint SDK tokens for the tenant's users.
type Application struct {
	ID           string    `avro:"id"`
	Tenant       string    `avro:"tenant"`
	Name         string    `avro:"name"`
	SecretHash   string    `avro:"secret_hash"`
	SecretPrefix string    `avro:"secret_prefix"`
	CreatedAt    time.Time `avro:"created_at"`
	RotatedAt    time.Time `avro:"rotated_at"`
}

// RefreshToken is an SDK refresh token, stored under its keyed hash. When it
// is rotated, ReplacedBy holds the hash of its successor and ReplacedAt the
// time, which starts the grace window in which it still answers with the
// same new pair.
type RefreshToken struct {
	Hash       string    `avro:"hash"`
	Tenant     string    `avro:"tenant"`
	UserID     string    `avro:"user_id"`
	AppID      string    `avro:"app_id"`
	CreatedAt  time.Time `avro:"created_at"`
	ExpiresAt  time.Time `avro:"expires_at"`
	Replaces   string    `avro:"replaces"`
	ReplacedBy string    `avro:"replaced_by"`
	ReplacedAt time.Time `avro:"replaced_at"`
}

// InvitationCode is a single-use pairing code for one user, stored under
// its keyed hash.
type InvitationCode struct {
	Hash      string    `avro:"hash"`
	ID        string    `avro:"id"`
	Tenant    string    `avro:"tenant"`
	UserID    string    `avro:"user_id"`
	CreatedBy string    `avro:"created_by"`
	CreatedAt time.Time `avro:"created_at"`
	ExpiresAt time.Time `avro:"expires_at"`
	// RedeemedBy is the claim of the redemption that used the code up; the
	// table keeps the first claim in log order (FirstRedemption), so
	// concurrent redemptions on several gateways agree on one winner.
	RedeemedBy string `avro:"redeemed_by"`
}

// FirstRedemption is the merge rule of the invitation code table: once a
// code is redeemed, later writes of it do not change it.
func FirstRedemption(old, next InvitationCode) InvitationCode {
	if old.RedeemedBy != "" {
		return old
	}
	return next
}

// SDKLogEvent is one diagnostic event a mobile SDK posted to
// /api/v1/sdk/users/{user_id}/logs. Event is the event's JSON object as
// sent.
type SDKLogEvent struct {
	ID         string    `avro:"id"`
	BatchID    string    `avro:"batch_id"`
	ReceivedAt time.Time `avro:"received_at"`
	Tenant     string    `avro:"tenant"`
	UserID     string    `avro:"user_id"`
	AppID      string    `avro:"app_id"`
	Provider   string    `avro:"provider"`
	SDKVersion string    `avro:"sdk_version"`
	SessionID  string    `avro:"sync_session_id"`
	EventType  string    `avro:"event_type"`
	OccurredAt time.Time `avro:"occurred_at"`
	Event      string    `avro:"event"`
}

// WorkoutLap is one lap or segment of a workout.
type WorkoutLap struct {
	Kind            string    `avro:"kind"`
	Index           int32     `avro:"index"`
	StartTime       time.Time `avro:"start_time"`
	EndTime         time.Time `avro:"end_time"`
	DistanceMeters  *float64  `avro:"distance_meters"`
	CaloriesKcal    *float64  `avro:"calories_kcal"`
	AvgHeartRateBPM *float64  `avro:"avg_heart_rate_bpm"`
	AvgSpeedMPS     *float64  `avro:"avg_speed_mps"`
	StrokeCount     *float64  `avro:"stroke_count"`
	SwimmingStroke  string    `avro:"swimming_stroke"`
}

// SleepSegment is one sleep stage segment as a provider sent it.
type SleepSegment struct {
	Stage      string    `avro:"stage"`
	Start      time.Time `avro:"start_time"`
	End        time.Time `avro:"end_time"`
	ZoneOffset int32     `avro:"zone_offset"`
	ID         string    `avro:"id"`
	ParentID   string    `avro:"parent_id"`
}

// SourceSleep is the recent sleep segments of one source.
type SourceSleep struct {
	Source   Source         `avro:"source"`
	Segments []SleepSegment `avro:"segments"`
}

// EmittedSleep is a session the processor has emitted and may still
// extend: its id, span and a fingerprint of its content.
type EmittedSleep struct {
	ID          string    `avro:"id"`
	SourceID    string    `avro:"source_id"`
	Start       time.Time `avro:"start_time"`
	End         time.Time `avro:"end_time"`
	Fingerprint string    `avro:"fingerprint"`
}

// SleepState is the processor's changelog record of one user's recent
// sleep for one provider: the segments that later uploads may extend and
// the sessions made of them so far.
type SleepState struct {
	Tenant    string         `avro:"tenant"`
	UserID    string         `avro:"user_id"`
	Provider  string         `avro:"provider"`
	Sources   []SourceSleep  `avro:"sources"`
	Sessions  []EmittedSleep `avro:"sessions"`
	UpdatedAt time.Time      `avro:"updated_at"`
}

// The state tables of the SDK flow, and the processor's sleep changelog.
const (
	StateApplications    = "applications"
	StateRefreshTokens   = "refresh_tokens"
	StateInvitationCodes = "invitation_codes"
	// StateSleepOpen is not a configuration table: it is the processor's
	// changelog of recent sleep, partitioned like the raw topics.
	StateSleepOpen = "sleep_open"
)

// SDKLogs carries SDKLogEvent records, keyed by user id.
func (t Topics) SDKLogs() string { return t.Prefix + "sdk.logs" }

// sdkBindings are the topics of the SDK flow with their record types.
func (t Topics) sdkBindings() []Binding {
	return []Binding{
		{t.State(StateApplications), Application{}},
		{t.State(StateRefreshTokens), RefreshToken{}},
		{t.State(StateInvitationCodes), InvitationCode{}},
		{t.State(StateSleepOpen), SleepState{}},
		{t.SDKLogs(), SDKLogEvent{}},
	}
}

func init() {
	for file, v := range map[string]any{
		"application.avsc":     Application{},
		"refresh_token.avsc":   RefreshToken{},
		"invitation_code.avsc": InvitationCode{},
		"sleep_state.avsc":     SleepState{},
		"sdk_log_event.avsc":   SDKLogEvent{},
	} {
		schemaFiles[reflect.TypeOf(v)] = file
	}
}
