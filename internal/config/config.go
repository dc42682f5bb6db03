// Package config reads wearstream's configuration from the environment once,
// into a typed struct with defaults and validation. Every variable is listed
// in Vars, which is also the source of the README's configuration table.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a wearstream process.
type Config struct {
	DataDir  string
	HTTPAddr string
	// MetricsAddr is where the components without an HTTP server serve
	// GET /metrics.
	MetricsAddr string

	DevKafkaAddr          string
	DevSchemaRegistryAddr string
	DevClickHousePort     int

	KafkaBrokers      []string
	SchemaRegistryURL string
	TopicPrefix       string
	KafkaCompression  string
	TopicRetention    time.Duration
	InstanceID        string
	Partitions        int32
	ReplicationFactor int16

	ClickHouseAddr     string
	ClickHouseDatabase string
	ClickHouseUser     string
	ClickHousePassword string

	BootstrapAPIKey string
	SecretKey       string

	MaxBodyBytes int

	ImportMaxBytes int
	ImportSpoolDir string

	WebhooksAllowPrivate bool
	WebhookTimeout       time.Duration
	WebhookConcurrency   int

	SinkBatchRows int
	SinkBatchWait time.Duration

	SDKAccessTokenTTL  time.Duration
	SDKRefreshTokenTTL time.Duration
	SDKRefreshGrace    time.Duration
	InvitationCodeTTL  time.Duration

	LogLevel  string
	LogFormat string

	// PublicURL is where providers and browsers reach the gateway: OAuth
	// callbacks are PublicURL + /api/v1/oauth/{provider}/callback.
	PublicURL string
	// PollInterval is how often a pull-capable connection is polled;
	// BackfillDays how much history a new connection fetches.
	PollInterval time.Duration
	BackfillDays int

	// Getenv reads the variables that providers declare for themselves
	// (GARMIN_CLIENT_ID, ...), from the same environment as the rest.
	Getenv func(string) string
}

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Doc     string
}

// Vars lists every environment variable wearstream reads, in README order.
var Vars = []Var{
	{"WEARSTREAM_DATA_DIR", "./.wearstream", "Where `wearstream dev` keeps Kafka data, ClickHouse data and the generated secret key."},
	{"WEARSTREAM_HTTP_ADDR", "127.0.0.1:8000", "Address the HTTP gateway listens on."},
	{"WEARSTREAM_METRICS_ADDR", "127.0.0.1:9464", "Where `process`, `sink`, `deliver` and `ingest` serve `GET /metrics` (`off`: not served). The gateway serves it on its own port, and `dev` serves every component's there. A port already taken is logged and the component runs on without metrics; give each process on one host its own."},
	{"WEARSTREAM_DEV_KAFKA_ADDR", "127.0.0.1:9092", "`dev` only: address of the embedded Kafka broker (kfake)."},
	{"WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR", "127.0.0.1:8081", "`dev` only: address of the embedded schema registry."},
	{"WEARSTREAM_DEV_CLICKHOUSE_PORT", "19000", "`dev` only: native port of the child ClickHouse server (its HTTP port is this plus 1)."},
	{"KAFKA_BROKERS", "", "Comma-separated Kafka bootstrap brokers. Required outside `dev`; in `dev`, set it to use an external cluster instead of the embedded one."},
	{"SCHEMA_REGISTRY_URL", "", "Confluent-compatible schema registry URL. Required outside `dev`; in `dev`, set it to use an external registry."},
	{"WEARSTREAM_TOPIC_PREFIX", "wearables.", "Prefix of every topic name."},
	{"WEARSTREAM_TOPIC_RETENTION", "168h", "How long the topics that are not compacted (raw, canonical, lifecycle, dead letters, deliveries and their retry tiers, jobs, SDK logs, audit) keep records: `retention.ms` of each, set at start on new and existing topics. It bounds how long copies of an erased user's data stay in Kafka (README, \"Erasure\"); at least 24h, since webhook retries wait up to 10 h in their tiers."},
	{"WEARSTREAM_KAFKA_COMPRESSION", "gzip", "Compression of every record batch wearstream produces: `none`, `gzip`, `snappy`, `lz4` or `zstd`. gzip is the default because every Kafka client reads it without extra codecs (kafkajs reads only gzip and none out of the box); lz4 and zstd cost less CPU, and consumers then need the codec (see \"Consuming the topics\")."},
	{"WEARSTREAM_INSTANCE_ID", "", "Names this process among the instances of its component, stable across restarts (empty: the host name). The processor's transactional id and the consumer groups' static member ids derive from it, so a restarted instance takes over at once; two instances running at the same time must have different ids."},
	{"WEARSTREAM_PARTITIONS", "6", "Partitions of each topic wearstream creates."},
	{"WEARSTREAM_REPLICATION_FACTOR", "-1", "Replication factor of created topics; -1 uses the broker default."},
	{"CLICKHOUSE_ADDR", "", "ClickHouse native-protocol address (host:9000). In `dev`, empty starts a child clickhouse-server."},
	{"CLICKHOUSE_DATABASE", "wearables", "ClickHouse database."},
	{"CLICKHOUSE_USER", "default", "ClickHouse user."},
	{"CLICKHOUSE_PASSWORD", "", "ClickHouse password."},
	{"WEARSTREAM_BOOTSTRAP_API_KEY", "", "`dev`: an admin API key with exactly this value is created on first start; if empty, one is generated and printed once."},
	{"WEARSTREAM_SECRET_KEY", "", "32-byte encryption key (64 hex characters or base64) for secrets at rest. Required outside `dev`; `dev` generates one into the data directory."},
	{"WEARSTREAM_MAX_BODY_BYTES", "33554432", "Largest request body the gateway accepts (413 above it)."},
	{"WEARSTREAM_IMPORT_MAX_BYTES", "4294967296", "Largest file upload (Apple Health export, FIT files) the gateway accepts on the import routes (413 above it); uploads are streamed, never held in memory."},
	{"WEARSTREAM_IMPORT_SPOOL_DIR", "", "Where the gateway spools an uploaded export.zip while it reads the export.xml inside (a zip needs random access); empty means the system temporary directory."},
	{"WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE", "false", "Allow webhook endpoints on loopback and private addresses (`dev` defaults to true)."},
	{"WEARSTREAM_WEBHOOK_TIMEOUT", "15s", "Timeout of one webhook delivery attempt."},
	{"WEARSTREAM_WEBHOOK_CONCURRENCY", "64", "Webhook deliveries in flight at once per delivery process."},
	{"WEARSTREAM_SINK_BATCH_ROWS", "50000", "ClickHouse sink: flush after this many samples."},
	{"WEARSTREAM_SINK_BATCH_WAIT", "1s", "ClickHouse sink: flush at least this often."},
	{"WEARSTREAM_SDK_ACCESS_TOKEN_TTL", "60m", "Lifetime of the SDK access tokens minted by `POST /api/v1/users/{user_id}/token`, refresh and invitation codes."},
	{"WEARSTREAM_SDK_REFRESH_TOKEN_TTL", "8760h", "Lifetime of an SDK refresh token; each refresh issues a new one with a fresh lifetime."},
	{"WEARSTREAM_SDK_REFRESH_GRACE", "30s", "How long a just-rotated refresh token still answers with the same new pair, so concurrent refreshes from one app do not log the user out."},
	{"WEARSTREAM_INVITATION_CODE_TTL", "168h", "How long an invitation code can be redeemed."},
	{"WEARSTREAM_API_KEY", "", "`import` only: the API key the command sends to the gateway (or `--key`); empty falls back to WEARSTREAM_BOOTSTRAP_API_KEY."},
	{"WEARSTREAM_PUBLIC_URL", "http://127.0.0.1:8000", "The gateway's public base URL: OAuth redirect URIs are this plus `/api/v1/oauth/{provider}/callback`, and provider webhooks go to this plus `/api/v1/providers/{provider}/webhooks`."},
	{"WEARSTREAM_POLL_INTERVAL", "1h", "How often the ingest workers poll each connection of a provider with a REST API from its cursor."},
	{"WEARSTREAM_BACKFILL_DAYS", "90", "Days of history fetched when a user connects a provider (capped by the provider: Garmin 30)."},
	{"WEARSTREAM_LOG_LEVEL", "info", "debug, info, warn or error."},
	{"WEARSTREAM_LOG_FORMAT", "text", "text or json."},
}

// Load reads the configuration from the process environment.
func Load() (Config, error) { return Parse(os.Getenv) }

// Parse reads the configuration through getenv; unset variables take their
// defaults. All problems are reported together.
func Parse(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		DataDir:               p.str("WEARSTREAM_DATA_DIR"),
		HTTPAddr:              p.str("WEARSTREAM_HTTP_ADDR"),
		MetricsAddr:           p.str("WEARSTREAM_METRICS_ADDR"),
		DevKafkaAddr:          p.str("WEARSTREAM_DEV_KAFKA_ADDR"),
		DevSchemaRegistryAddr: p.str("WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR"),
		DevClickHousePort:     p.integer("WEARSTREAM_DEV_CLICKHOUSE_PORT", 1, 65534),
		KafkaBrokers:          p.list("KAFKA_BROKERS"),
		SchemaRegistryURL:     p.str("SCHEMA_REGISTRY_URL"),
		TopicPrefix:           p.str("WEARSTREAM_TOPIC_PREFIX"),
		TopicRetention:        p.duration("WEARSTREAM_TOPIC_RETENTION"),
		KafkaCompression:      p.oneOf("WEARSTREAM_KAFKA_COMPRESSION", "none", "gzip", "snappy", "lz4", "zstd"),
		InstanceID:            p.str("WEARSTREAM_INSTANCE_ID"),
		Partitions:            int32(p.integer("WEARSTREAM_PARTITIONS", 1, 10000)),
		ReplicationFactor:     int16(p.integer("WEARSTREAM_REPLICATION_FACTOR", -1, 100)),
		ClickHouseAddr:        p.str("CLICKHOUSE_ADDR"),
		ClickHouseDatabase:    p.str("CLICKHOUSE_DATABASE"),
		ClickHouseUser:        p.str("CLICKHOUSE_USER"),
		ClickHousePassword:    p.str("CLICKHOUSE_PASSWORD"),
		BootstrapAPIKey:       p.str("WEARSTREAM_BOOTSTRAP_API_KEY"),
		SecretKey:             p.str("WEARSTREAM_SECRET_KEY"),
		MaxBodyBytes:          p.integer("WEARSTREAM_MAX_BODY_BYTES", 1024, 1<<30),
		ImportMaxBytes:        p.integer("WEARSTREAM_IMPORT_MAX_BYTES", 1024, 1<<40),
		ImportSpoolDir:        p.str("WEARSTREAM_IMPORT_SPOOL_DIR"),
		WebhooksAllowPrivate:  p.boolean("WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE"),
		WebhookTimeout:        p.duration("WEARSTREAM_WEBHOOK_TIMEOUT"),
		WebhookConcurrency:    p.integer("WEARSTREAM_WEBHOOK_CONCURRENCY", 1, 100000),
		SinkBatchRows:         p.integer("WEARSTREAM_SINK_BATCH_ROWS", 1, 10_000_000),
		SinkBatchWait:         p.duration("WEARSTREAM_SINK_BATCH_WAIT"),
		SDKAccessTokenTTL:     p.duration("WEARSTREAM_SDK_ACCESS_TOKEN_TTL"),
		SDKRefreshTokenTTL:    p.duration("WEARSTREAM_SDK_REFRESH_TOKEN_TTL"),
		SDKRefreshGrace:       p.duration("WEARSTREAM_SDK_REFRESH_GRACE"),
		InvitationCodeTTL:     p.duration("WEARSTREAM_INVITATION_CODE_TTL"),
		LogLevel:              p.oneOf("WEARSTREAM_LOG_LEVEL", "debug", "info", "warn", "error"),
		LogFormat:             p.oneOf("WEARSTREAM_LOG_FORMAT", "text", "json"),
		PublicURL:             strings.TrimRight(p.str("WEARSTREAM_PUBLIC_URL"), "/"),
		PollInterval:          p.duration("WEARSTREAM_POLL_INTERVAL"),
		BackfillDays:          p.integer("WEARSTREAM_BACKFILL_DAYS", 0, 3650),
		Getenv:                getenv,
	}
	if c.TopicRetention < 24*time.Hour {
		p.fail("WEARSTREAM_TOPIC_RETENTION", "must be at least 24h: webhook retries wait up to 10 h in their topics")
	}
	if c.ClickHouseDatabase != "" && !validIdent(c.ClickHouseDatabase) {
		p.fail("CLICKHOUSE_DATABASE", "must be letters, digits and underscores")
	}
	return c, errors.Join(p.errs...)
}

// Set reports whether the variable was given in the environment.
func Set(name string) bool {
	_, ok := os.LookupEnv(name)
	return ok
}

func validIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func defaultOf(name string) string {
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: undocumented variable " + name)
}

func (p *parser) str(name string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return defaultOf(name)
}

func (p *parser) fail(name, msg string) {
	p.errs = append(p.errs, fmt.Errorf("%s %s", name, msg))
}

func (p *parser) list(name string) []string {
	var out []string
	for _, s := range strings.Split(p.str(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) integer(name string, lo, hi int) int {
	s := p.str(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.fail(name, fmt.Sprintf("must be a whole number from %d to %d, got %q", lo, hi, s))
	}
	return n
}

func (p *parser) boolean(name string) bool {
	s := p.str(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.fail(name, fmt.Sprintf("must be true or false, got %q", s))
	}
	return b
}

func (p *parser) duration(name string) time.Duration {
	s := p.str(name)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.fail(name, fmt.Sprintf("must be a positive duration such as 500ms or 2s, got %q", s))
	}
	return d
}

func (p *parser) oneOf(name string, allowed ...string) string {
	s := strings.ToLower(p.str(name))
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	p.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), s))
	return s
}
