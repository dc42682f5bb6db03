package webhooks

// Signing follows the Standard Webhooks specification (v1.0.0), which is
// also what Svix and therefore Open Wearables send: the signed content is
// "{webhook-id}.{webhook-timestamp}.{body}", the signature is HMAC-SHA256
// keyed with the base64-decoded part of the secret after "whsec_", and the
// webhook-signature header is a space-separated list of "v1,<base64>" so
// that an endpoint can accept an old and a new secret while it rotates.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every symmetric signing secret.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a webhook-timestamp may be from the
// receiver's clock, in either direction, before Verify refuses it.
const DefaultTolerance = 5 * time.Minute

// secretBytes is the length of the random key NewSecret makes (the
// specification asks for 24 to 64 bytes).
const secretBytes = 24

// Errors of signing and verification; callers tell them apart with errors.Is.
var (
	ErrNoSecret            = errors.New("no signing secret")             // no secret was given
	ErrInvalidSecret       = errors.New("invalid signing secret")        // a secret is not base64 or is empty
	ErrMissingHeader       = errors.New("missing webhook header")        // webhook-id, -timestamp or -signature is empty
	ErrInvalidTimestamp    = errors.New("invalid webhook timestamp")     // webhook-timestamp is not Unix seconds
	ErrTimestampTooOld     = errors.New("webhook timestamp too old")     // older than the tolerance: a replay or a slow queue
	ErrTimestampTooNew     = errors.New("webhook timestamp too new")     // further ahead than the tolerance: clock skew
	ErrNoMatchingSignature = errors.New("no matching webhook signature") // no v1 signature matches any secret
)

// NewSecret returns a new random signing secret, "whsec_" followed by the
// base64 of 24 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("cannot read random bytes for a secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the "v1,<base64>" signature of one message with one secret.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	mac := computeMAC(key, msgID, ts.Unix(), body)
	out := make([]byte, 0, 3+base64.StdEncoding.EncodedLen(len(mac)))
	out = append(out, "v1,"...)
	out = base64.StdEncoding.AppendEncode(out, mac)
	return string(out), nil
}

// SignAll returns the webhook-signature header value for a message: one
// "v1,<base64>" signature per secret, separated by spaces.
func SignAll(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecret
	}
	sigs := make([]string, len(secrets))
	for i, secret := range secrets {
		sig, err := Sign(secret, msgID, ts, body)
		if err != nil {
			return "", err
		}
		sigs[i] = sig
	}
	return strings.Join(sigs, " "), nil
}

// Verify checks a received webhook against the receiver's secrets: the
// timestamp must be within tolerance of now (DefaultTolerance when tolerance
// is not positive) and at least one v1 signature of the header must match one
// secret. Signatures are compared in constant time.
func Verify(secrets []string, msgID, timestamp, signatureHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secrets) == 0 {
		return ErrNoSecret
	}
	if msgID == "" {
		return fmt.Errorf("cannot verify without webhook-id: %w", ErrMissingHeader)
	}
	if timestamp == "" {
		return fmt.Errorf("cannot verify without webhook-timestamp: %w", ErrMissingHeader)
	}
	if signatureHeader == "" {
		return fmt.Errorf("cannot verify without webhook-signature: %w", ErrMissingHeader)
	}
	unix, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Compare in seconds so that extreme values cannot overflow a Duration.
	tol := int64(tolerance / time.Second)
	nowUnix := now.Unix()
	if unix < nowUnix && nowUnix-unix > tol {
		return ErrTimestampTooOld
	}
	if unix > nowUnix && unix-nowUnix > tol {
		return ErrTimestampTooNew
	}

	expected := make([][]byte, len(secrets))
	for i, secret := range secrets {
		key, err := decodeSecret(secret)
		if err != nil {
			return err
		}
		mac := computeMAC(key, msgID, unix, body)
		expected[i] = base64.StdEncoding.AppendEncode(nil, mac)
	}
	for _, field := range strings.Fields(signatureHeader) {
		version, sig, ok := strings.Cut(field, ",")
		if !ok || version != "v1" {
			continue
		}
		for _, want := range expected {
			if hmac.Equal([]byte(sig), want) {
				return nil
			}
		}
	}
	return ErrNoMatchingSignature
}

// decodeSecret returns the HMAC key of a secret; the "whsec_" prefix is
// optional, as in the reference libraries.
func decodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("cannot decode signing secret: %w: %w", ErrInvalidSecret, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("cannot use an empty signing secret: %w", ErrInvalidSecret)
	}
	return key, nil
}

// computeMAC is HMAC-SHA256 over "{msgID}.{unix}.{body}".
func computeMAC(key []byte, msgID string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	var buf [24]byte
	h.Write([]byte(msgID))
	h.Write(strconv.AppendInt(append(buf[:0], '.'), unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// parseTimestamp reads a webhook-timestamp: decimal Unix seconds, digits only.
func parseTimestamp(s string) (int64, error) {
	if len(s) > 18 {
		return 0, fmt.Errorf("cannot parse webhook-timestamp of %d characters: %w", len(s), ErrInvalidTimestamp)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("cannot parse webhook-timestamp %q: %w", s, ErrInvalidTimestamp)
		}
	}
	unix, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot parse webhook-timestamp %q: %w: %w", s, ErrInvalidTimestamp, err)
	}
	return unix, nil
}
