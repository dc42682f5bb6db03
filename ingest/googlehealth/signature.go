package googlehealth

// The ECDSA signature of notifications. Google signs every notification
// body with ECDSA on NIST P-256 and sends the signature in
// X-HEALTHAPI-SIGNATURE (the EndpointAuthorization reference,
// https://developers.google.com/health/reference/rest/v4/projects.subscribers;
// one generated client names the header GOOGLE-HEALTH-API-SIGNATURE, and
// both are read). The reference does not say how the signature is encoded
// nor where the key is published beyond "Google Health API's public key".
// Google publishes the key as a Tink public keyset
// (https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json),
// whose signatures carry Tink's 5-byte prefix (0x01 and the key id) before
// an ASN.1 DER signature. So the check is lenient about form and strict
// about content: the header is base64 (standard or URL alphabet, padded or
// not) of an ASN.1 DER or 64-byte r‖s signature, with or without that
// prefix, over SHA-256 of the raw body; the key is a PEM public key, a path
// to a PEM file, or a Tink JSON public keyset (any of its P-256 keys may
// verify).

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
)

// envPublicKey names the variable holding Google's notification public key.
const envPublicKey = "GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY"

// signatureHeaders are the headers a signature is read from, in order.
var signatureHeaders = []string{"X-HEALTHAPI-SIGNATURE", "GOOGLE-HEALTH-API-SIGNATURE"}

// keyCache holds parsed keys by their configured value, so that a path is
// read and a PEM parsed once.
var keyCache sync.Map // string → []*ecdsa.PublicKey

// PublicKeys reads the configured public key: PEM text, a path to a PEM
// file, or a Tink JSON public keyset. It returns every P-256 key found.
func PublicKeys(setting string) ([]*ecdsa.PublicKey, error) {
	setting = strings.TrimSpace(setting)
	if v, ok := keyCache.Load(setting); ok {
		return v.([]*ecdsa.PublicKey), nil
	}
	raw := []byte(setting)
	if !strings.HasPrefix(setting, "-----BEGIN") && !strings.HasPrefix(setting, "{") {
		b, err := os.ReadFile(setting)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: it is neither a PEM key nor a readable file: %w", envPublicKey, err)
		}
		raw = bytes.TrimSpace(b)
	}
	var keys []*ecdsa.PublicKey
	var err error
	if len(raw) > 0 && raw[0] == '{' {
		keys, err = keysetKeys(raw)
	} else {
		keys, err = pemKeys(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", envPublicKey, err)
	}
	keyCache.Store(setting, keys)
	return keys, nil
}

// pemKeys reads the P-256 public keys of PEM blocks (PKIX public keys or
// certificates).
func pemKeys(b []byte) ([]*ecdsa.PublicKey, error) {
	var keys []*ecdsa.PublicKey
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		var pub any
		var err error
		switch block.Type {
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = cert.PublicKey
			}
		default:
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		}
		if err != nil {
			return nil, fmt.Errorf("a %s block is not a public key: %w", block.Type, err)
		}
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("a %s block is not an ECDSA P-256 key", block.Type)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM public key found")
	}
	return keys, nil
}

// keysetKeys reads the enabled ECDSA P-256 keys of a Tink JSON public
// keyset.
func keysetKeys(b []byte) ([]*ecdsa.PublicKey, error) {
	var ks struct {
		Key []struct {
			KeyData struct {
				TypeURL string `json:"typeUrl"`
				Value   string `json:"value"`
			} `json:"keyData"`
			Status string `json:"status"`
		} `json:"key"`
	}
	if err := json.Unmarshal(b, &ks); err != nil {
		return nil, fmt.Errorf("not a JSON keyset: %w", err)
	}
	var keys []*ecdsa.PublicKey
	for _, k := range ks.Key {
		if !strings.HasSuffix(k.KeyData.TypeURL, "EcdsaPublicKey") || (k.Status != "" && k.Status != "ENABLED") {
			continue
		}
		value, err := base64.StdEncoding.DecodeString(k.KeyData.Value)
		if err != nil {
			return nil, fmt.Errorf("a keyset key is not base64: %w", err)
		}
		pub, err := tinkECDSAKey(value)
		if err != nil {
			return nil, err
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("the keyset holds no enabled ECDSA public key")
	}
	return keys, nil
}

// tinkECDSAKey decodes Tink's EcdsaPublicKey message (version = 1,
// params = 2, x = 3, y = 4; the coordinates big-endian, possibly with a
// leading zero byte) into a P-256 key.
func tinkECDSAKey(b []byte) (*ecdsa.PublicKey, error) {
	var x, y []byte
	for len(b) > 0 {
		tag, n := uvarint(b)
		if n <= 0 {
			return nil, errors.New("a keyset key is not a valid EcdsaPublicKey")
		}
		b = b[n:]
		switch tag & 7 {
		case 0:
			if _, n = uvarint(b); n <= 0 {
				return nil, errors.New("a keyset key is not a valid EcdsaPublicKey")
			}
			b = b[n:]
		case 2:
			l, n := uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errors.New("a keyset key is not a valid EcdsaPublicKey")
			}
			field := b[n : n+int(l)]
			b = b[n+int(l):]
			switch tag >> 3 {
			case 3:
				x = field
			case 4:
				y = field
			}
		default:
			return nil, errors.New("a keyset key is not a valid EcdsaPublicKey")
		}
	}
	X, Y := new(big.Int).SetBytes(x), new(big.Int).SetBytes(y)
	if X.BitLen() > 256 || Y.BitLen() > 256 {
		return nil, errors.New("a keyset key is not a P-256 key")
	}
	point := make([]byte, 65)
	point[0] = 4
	X.FillBytes(point[1:33])
	Y.FillBytes(point[33:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("a keyset key is not a P-256 key: %w", err)
	}
	return pub, nil
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// checkSignature verifies the header signature of body against keys.
func checkSignature(keys []*ecdsa.PublicKey, header string, body []byte) error {
	sig, ok := decodeBase64(strings.TrimSpace(header))
	if !ok {
		return errors.New("the signature header is not base64")
	}
	digest := sha256.Sum256(body)
	candidates := [][]byte{sig}
	if len(sig) > 5 && sig[0] == 1 {
		candidates = append(candidates, sig[5:]) // Tink's prefix: 0x01 and a 4-byte key id
	}
	for _, k := range keys {
		for _, c := range candidates {
			if ecdsa.VerifyASN1(k, digest[:], c) {
				return nil
			}
			if len(c) == 64 && ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(c[:32]), new(big.Int).SetBytes(c[32:])) {
				return nil
			}
		}
	}
	return errors.New("the ECDSA signature does not match the body")
}

func decodeBase64(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}
