package ingest

// Incoming provider webhooks. The gateway looks the provider up, answers
// bodies that need no check (Polar's PING), verifies the request as the
// provider specifies (a signature over the raw body, a client id header),
// then reads it into items per provider user: data to keep as raw events,
// or work for the ingest workers (fetch a URL, revoke, update permissions).
// Nothing is fetched in the request.

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// ErrUnverified is the error of a webhook whose check failed.
var ErrUnverified = errors.New("webhook verification failed")

// Webhook is how a provider's incoming webhooks are checked and read.
type Webhook struct {
	// Verify checks that a request comes from the provider, comparing
	// secrets in constant time; it returns an error wrapping ErrUnverified
	// when not.
	Verify func(s Settings, h http.Header, body []byte) error
	// Challenge answers the provider's GET handshake; nil when it has none.
	Challenge func(s Settings, q url.Values) (status int, body []byte, err error)
	// Unverified reports bodies that are answered 200 before any check and
	// have no effect (Polar's PING on registration); nil for none.
	Unverified func(body []byte) bool
	// Parse reads a verified body into items.
	Parse func(body []byte) ([]Item, error)
	// Status, when set, is the status a verified body is answered with
	// (Google's endpoint verification wants 201); 0 keeps 200.
	Status func(body []byte) int
	// PushesData says the provider sends data in its webhooks (Garmin's
	// push, Suunto's 24/7 notifications), so a body may be as large as
	// WEARSTREAM_MAX_BODY_BYTES; the others send notifications of at most
	// NotificationMaxBytes.
	PushesData bool
}

// NotificationMaxBytes is the largest webhook body of a provider whose
// webhooks only notify (an id, a type, a time range).
const NotificationMaxBytes = 64 << 10

// The jobs a webhook item can ask for.
const (
	// JobFetch fetches Item.URL with the user's token.
	JobFetch = "fetch"
	// JobRevoke ends the connection: the user deregistered at the provider.
	JobRevoke = "revoke"
	// JobPermissions records the user's new permissions.
	JobPermissions = "permissions"
)

// Item is what one webhook body says about one provider user.
type Item struct {
	// ProviderUserID names the user as the provider does.
	ProviderUserID string
	// Body, when not nil, is data to keep as a raw event of kind webhook.
	Body []byte
	// ContentType is Body's media type (application/json when empty).
	ContentType string
	// Job, when set, is work for the ingest workers: JobFetch,
	// JobRevoke or JobPermissions.
	Job string
	// DataType and URL describe a fetch: what the URL holds and where.
	DataType string
	URL      string
	// Permissions are the user's granted permissions, for JobPermissions.
	Permissions []string
	// Delivers names the backfill data types the item brings data of
	// (Garmin's push and ping items), so that a backfill waiting for them
	// counts them as delivered.
	Delivers []string
}

// VerifyHMAC checks that header holds the hex HMAC-SHA256 of body keyed
// with secret, in constant time. An empty secret never verifies.
func VerifyHMAC(secret, header string, body []byte) error {
	if secret == "" {
		return errors.Join(ErrUnverified, errors.New("no webhook secret is configured"))
	}
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return errors.Join(ErrUnverified, errors.New("the signature header is missing or not hex HMAC-SHA256"))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return errors.Join(ErrUnverified, errors.New("the signature does not match the body"))
	}
	return nil
}

// SignHMAC returns the hex HMAC-SHA256 of body keyed with secret, as
// VerifyHMAC expects it.
func SignHMAC(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// EqualSecret compares a presented secret with the configured one in
// constant time; an empty configured secret never matches.
func EqualSecret(configured, presented string) bool {
	if configured == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(configured), []byte(presented)) == 1
}
