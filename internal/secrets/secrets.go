// Package secrets holds wearstream's handling of secrets at rest: API keys
// and refresh tokens are stored only as hashes; OAuth tokens and endpoint
// signing secrets are encrypted with AES-256-GCM under a key from the
// environment.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of the encryption key: AES-256.
const KeySize = 32

// ErrBadKey is returned for an encryption key of the wrong form.
var ErrBadKey = errors.New("the secret key must be 32 bytes, given as 64 hex characters or base64")

// ErrDecrypt is returned when a ciphertext was not made with this key or was changed.
var ErrDecrypt = errors.New("cannot decrypt: wrong key or corrupted data")

// NewAPIKey returns a new random API key: "sk-" and 48 hex characters.
func NewAPIKey() string {
	return "sk-" + randomHex(24)
}

// NewKey returns a new random encryption key, hex-encoded.
func NewKey() string {
	return randomHex(KeySize)
}

// NewID returns a random identifier with a prefix, e.g. "ep_" + 24 hex.
func NewID(prefix string) string {
	return prefix + randomHex(12)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secrets: no randomness: %v", err)) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// Hash returns the SHA-256 of a high-entropy secret (an API key or refresh
// token), hex-encoded. Such secrets need no salt or slow hash: they cannot
// be guessed, only stolen, and the hash is useless to a thief.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Equal compares two strings in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Box encrypts and decrypts small secrets with AES-256-GCM.
type Box struct {
	aead cipher.AEAD
}

// ParseKey reads a 32-byte key given as 64 hex characters or as base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, ErrBadKey
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, ErrBadKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cannot create cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cannot create GCM: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; the output is nonce || ciphertext || tag.
// associated binds the ciphertext to its owner (e.g. the endpoint id), so a
// ciphertext copied onto another record does not decrypt.
func (b *Box) Seal(plaintext, associated []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("secrets: no randomness: %v", err))
	}
	return b.aead.Seal(nonce, nonce, plaintext, associated)
}

// Open decrypts what Seal made with the same associated data.
func (b *Box) Open(ciphertext, associated []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(ciphertext) < n+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	out, err := b.aead.Open(nil, ciphertext[:n], ciphertext[n:], associated)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}
