package googlehealth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func newKey(t testing.TB) (*ecdsa.PrivateKey, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// sign signs body as DER ("der"), r‖s ("raw") or with Tink's prefix
// ("tink"), encoded with enc.
func sign(t testing.TB, k *ecdsa.PrivateKey, body []byte, form string, enc *base64.Encoding) string {
	t.Helper()
	digest := sha256.Sum256(body)
	var sig []byte
	switch form {
	case "raw":
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	default:
		der, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = der
		if form == "tink" {
			sig = append([]byte{1, 0x12, 0x34, 0x56, 0x78}, der...)
		}
	}
	return enc.EncodeToString(sig)
}

func settings(key string) ingest.Settings {
	return ingest.Settings{WebhookSecret: "hook-secret", Extra: map[string]string{envPublicKey: key}}
}

func TestVerifySignature(t *testing.T) {
	key, pub := newKey(t)
	other, otherPub := newKey(t)
	body := ingesttest.ReadFixture(t, "google_health_webhook.json")
	f := func(name string, s ingest.Settings, h http.Header, body []byte, ok bool) {
		t.Helper()
		if h.Get("Authorization") == "" && name != "no secret" {
			h.Set("Authorization", "Bearer hook-secret")
		}
		err := Verify(s, h, body)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ingest.ErrUnverified)) {
			t.Errorf("%s: error %v, want ok=%v", name, err, ok)
		}
	}
	header := func(name, value string) http.Header {
		h := http.Header{}
		h.Set(name, value)
		return h
	}
	for _, form := range []string{"der", "raw", "tink"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			f("good "+form, settings(pub), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, form, enc)), body, true)
		}
	}
	f("other header name", settings(pub), header("GOOGLE-HEALTH-API-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), body, true)
	f("missing signature", settings(pub), http.Header{}, body, false)
	f("bad signature", settings(pub), header("X-HEALTHAPI-SIGNATURE", base64.StdEncoding.EncodeToString([]byte("not a signature at all"))), body, false)
	f("not base64", settings(pub), header("X-HEALTHAPI-SIGNATURE", "%%%"), body, false)
	f("wrong key", settings(otherPub), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), body, false)
	f("signed by another key", settings(pub), header("X-HEALTHAPI-SIGNATURE", sign(t, other, body, "der", base64.StdEncoding)), body, false)
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = ' '
	f("changed body", settings(pub), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), tampered, false)
	f("no key configured", settings(""), http.Header{}, body, true)
	f("unreadable key", settings("/nonexistent/key.pem"), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), body, false)
	f("no secret", settings(pub), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), body, false)
	wrongSecret := header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding))
	wrongSecret.Set("Authorization", "Bearer other")
	f("wrong secret", settings(pub), wrongSecret, body, false)
	verification := ingesttest.ReadFixture(t, "google_health_verification.json")
	f("unsigned verification", settings(pub), http.Header{}, verification, true)
	f("badly signed verification", settings(pub), header("X-HEALTHAPI-SIGNATURE", sign(t, other, verification, "der", base64.StdEncoding)), verification, false)

	// The key may also be a path to a PEM file.
	path := filepath.Join(t.TempDir(), "google-health.pem")
	if err := os.WriteFile(path, []byte(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	f("key file", settings(path), header("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "der", base64.StdEncoding)), body, true)
}

// tinkKeyset writes k as a Tink JSON public keyset.
func tinkKeyset(k *ecdsa.PublicKey) string {
	field := func(num int, b []byte) []byte { return append([]byte{byte(num<<3 | 2), byte(len(b))}, b...) }
	x, y := k.X.Bytes(), k.Y.Bytes()
	params := []byte{8, 3, 16, 3, 24, 2} // hash SHA256, curve NIST_P256, encoding DER
	value := append([]byte{8, 0}, field(2, params)...)
	value = append(value, field(3, append([]byte{0}, x...))...)
	value = append(value, field(4, y)...)
	ks := map[string]any{"primaryKeyId": 305419896, "key": []any{map[string]any{
		"keyData": map[string]any{"typeUrl": "type.googleapis.com/google.crypto.tink.EcdsaPublicKey",
			"value": base64.StdEncoding.EncodeToString(value), "keyMaterialType": "ASYMMETRIC_PUBLIC"},
		"status": "ENABLED", "keyId": 305419896, "outputPrefixType": "TINK"}}}
	b, _ := json.Marshal(ks)
	return string(b)
}

func TestVerifyTinkKeyset(t *testing.T) {
	key, _ := newKey(t)
	keyset := tinkKeyset(&key.PublicKey)
	keys, err := PublicKeys(keyset)
	if err != nil || len(keys) != 1 || !keys[0].Equal(&key.PublicKey) {
		t.Fatalf("keys %v, %v", keys, err)
	}
	body := ingesttest.ReadFixture(t, "google_health_webhook.json")
	h := http.Header{"Authorization": {"hook-secret"}}
	h.Set("X-HEALTHAPI-SIGNATURE", sign(t, key, body, "tink", base64.StdEncoding))
	if err := Verify(settings(keyset), h, body); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"key": []}`, `{"key": [{"keyData": {"typeUrl": "x.EcdsaPublicKey", "value": "%%"}}]}`, `-----BEGIN PUBLIC KEY-----
AAAA
-----END PUBLIC KEY-----`} {
		if _, err := PublicKeys(bad); err == nil {
			t.Errorf("%q: read as a key", bad)
		}
	}
}

func TestParseSingleNotification(t *testing.T) {
	items, err := ParseWebhook([]byte(`{"data": {"healthUserId": "1", "operation": "UPSERT", "dataType": "weight",
		"intervals": [{"physicalTimeInterval": {"startTime": "2026-01-14T06:00:00Z", "endTime": "2026-01-14T07:00:00Z"}}]}}`))
	if err != nil || len(items) != 1 || items[0].DataType != "weight" || items[0].URL != "2026-01-14T06:00:00Z/2026-01-14T07:00:01Z" {
		t.Fatalf("items %+v, %v", items, err)
	}
	if _, err := ParseWebhook([]byte(`{"other": 1}`)); err == nil {
		t.Fatal("an object without data parsed")
	}
}

func FuzzVerify(f *testing.F) {
	key, pub := newKey(f)
	_, otherPub := newKey(f)
	body := ingesttest.ReadFixture(f, "google_health_webhook.json")
	good := sign(f, key, body, "der", base64.StdEncoding)
	f.Add("secret", "Bearer secret", "", "", body)
	f.Add("hook-secret", "hook-secret", pub, good, body)
	f.Add("hook-secret", "hook-secret", pub, sign(f, key, body, "raw", base64.RawURLEncoding), body)
	f.Add("hook-secret", "hook-secret", otherPub, good, body)
	f.Add("hook-secret", "hook-secret", pub, good, []byte(`{"type":"verification"}`))
	f.Add("hook-secret", "hook-secret", pub, "", []byte(`{"type":"verification"}`))
	f.Add("hook-secret", "hook-secret", tinkKeyset(&key.PublicKey), sign(f, key, body, "tink", base64.StdEncoding), body)
	f.Fuzz(func(t *testing.T, secret, authorization, key, signature string, body []byte) {
		if strings.TrimSpace(key) != "" && !strings.HasPrefix(strings.TrimSpace(key), "-----BEGIN") && !strings.HasPrefix(strings.TrimSpace(key), "{") {
			return // a path: the fuzzer does not read files
		}
		h := http.Header{}
		h.Set("Authorization", authorization)
		h.Set("X-HEALTHAPI-SIGNATURE", signature)
		err := Verify(ingest.Settings{WebhookSecret: secret, Extra: map[string]string{envPublicKey: key}}, h, body)
		if err == nil && secret == "" {
			t.Fatal("verified without a secret")
		}
		if err == nil && strings.TrimSpace(key) != "" && strings.TrimSpace(signature) == "" && !isVerification(body) {
			t.Fatal("verified a notification without its signature")
		}
		if err != nil && !errors.Is(err, ingest.ErrUnverified) {
			t.Fatalf("error %v does not wrap ErrUnverified", err)
		}
	})
}

// TestVerificationIsAnsweredCreated: Google's subscriber creation requires
// 201 Created for the verified endpoint verification; notifications keep 200.
func TestVerificationIsAnsweredCreated(t *testing.T) {
	if st := verificationStatus([]byte(`{"type":"verification"}`)); st != http.StatusCreated {
		t.Fatalf("verification status = %d", st)
	}
	if st := verificationStatus([]byte(`[{"data":{"healthUserId":"u","operation":"UPSERT","dataType":"steps"}}]`)); st != 0 {
		t.Fatalf("notification status = %d", st)
	}
}
