package ingest

// The OAuth state. Instead of a server-side store, the state parameter is
// the flow itself, signed: tenant, user, provider, redirect URI and expiry
// in clear, the PKCE verifier encrypted, all under an HMAC-SHA256 keyed
// from the deployment's secret key. A callback accepts only a state this
// deployment signed in the last 15 minutes; a state cannot be replayed to
// any effect, because the provider's code it travels with is single-use.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/internal/secrets"
)

// StateTTL is how long an authorisation may take.
const StateTTL = 15 * time.Minute

// ErrBadState is returned for a state that was not signed here, was
// changed, or has expired.
var ErrBadState = errors.New("invalid or expired OAuth state")

// State is one authorisation in flight.
type State struct {
	Tenant      string
	UserID      string
	Provider    string
	RedirectURI string
	// Verifier is the PKCE code verifier, empty without PKCE.
	Verifier string
	Expires  time.Time
}

type stateWire struct {
	Tenant      string `json:"t"`
	UserID      string `json:"u"`
	Provider    string `json:"p"`
	RedirectURI string `json:"r,omitempty"`
	Verifier    []byte `json:"v,omitempty"` // sealed
	Nonce       string `json:"n"`
	Expires     int64  `json:"e"`
}

// StateSigner signs and checks OAuth states.
type StateSigner struct {
	mac []byte
	box *secrets.Box
}

// NewStateSigner derives the state keys from the deployment's secret key.
func NewStateSigner(secretKey []byte) (*StateSigner, error) {
	if len(secretKey) < 32 {
		return nil, fmt.Errorf("cannot derive oauth state keys: the secret key has %d bytes, want 32", len(secretKey))
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secretKey)
		m.Write([]byte("wearstream/" + label))
		return m.Sum(nil)
	}
	box, err := secrets.NewBox(derive("oauth-state-verifier/v1"))
	if err != nil {
		return nil, err
	}
	return &StateSigner{mac: derive("oauth-state/v1"), box: box}, nil
}

// Sign returns the state parameter for st.
func (s *StateSigner) Sign(st State) string {
	w := stateWire{
		Tenant: st.Tenant, UserID: st.UserID, Provider: st.Provider, RedirectURI: st.RedirectURI,
		Nonce: secrets.NewID(""), Expires: st.Expires.Unix(),
	}
	if st.Verifier != "" {
		w.Verifier = s.box.Seal([]byte(st.Verifier), []byte(w.Nonce))
	}
	payload, err := json.Marshal(w)
	if err != nil {
		panic(fmt.Sprintf("ingest: cannot encode oauth state: %v", err)) // strings and ints never fail
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.sign(body))
}

func (s *StateSigner) sign(body string) []byte {
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Verify checks a state parameter and returns what it carries.
func (s *StateSigner) Verify(token string, now time.Time) (State, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return State{}, ErrBadState
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.sign(body)) {
		return State{}, ErrBadState
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return State{}, ErrBadState
	}
	var w stateWire
	if err := json.Unmarshal(payload, &w); err != nil {
		return State{}, ErrBadState
	}
	st := State{Tenant: w.Tenant, UserID: w.UserID, Provider: w.Provider, RedirectURI: w.RedirectURI, Expires: time.Unix(w.Expires, 0)}
	if !now.Before(st.Expires) {
		return State{}, fmt.Errorf("%w: it expired at %s", ErrBadState, st.Expires.UTC().Format(time.RFC3339))
	}
	if len(w.Verifier) > 0 {
		v, err := s.box.Open(w.Verifier, []byte(w.Nonce))
		if err != nil {
			return State{}, ErrBadState
		}
		st.Verifier = string(v)
	}
	return st, nil
}
