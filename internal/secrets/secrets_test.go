package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBoxRoundTrip(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := box.Seal([]byte("whsec_abc"), []byte("ep_1"))
	if bytes.Contains(ct, []byte("whsec_abc")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := box.Open(ct, []byte("ep_1"))
	if err != nil || string(pt) != "whsec_abc" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := box.Open(ct, []byte("ep_2")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open with other associated data: %v, want ErrDecrypt", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := box.Open(ct, []byte("ep_1")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open of tampered data: %v, want ErrDecrypt", err)
	}
	if _, err := box.Open(nil, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open(nil): %v", err)
	}
}

func TestParseKey(t *testing.T) {
	f := func(in string, ok bool) {
		t.Helper()
		_, err := ParseKey(in)
		if (err == nil) != ok {
			t.Fatalf("ParseKey(%q) err = %v, want ok=%v", in, err, ok)
		}
	}
	f(strings.Repeat("ab", 32), true)
	f("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true)
	f("short", false)
	f(strings.Repeat("ab", 16), false)
}

func TestHashAndKeys(t *testing.T) {
	k := NewAPIKey()
	if !strings.HasPrefix(k, "sk-") || len(k) != 51 {
		t.Fatalf("NewAPIKey = %q", k)
	}
	if Hash(k) == Hash(NewAPIKey()) || Hash(k) != Hash(k) || strings.Contains(Hash(k), k) {
		t.Fatal("Hash is not a stable one-way function of its input")
	}
	if !Equal("a", "a") || Equal("a", "b") {
		t.Fatal("Equal is wrong")
	}
}
