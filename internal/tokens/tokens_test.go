package tokens

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKeys(t testing.TB, seed byte) *Keys {
	t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = seed + byte(i)
	}
	k, err := NewKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerify(t *testing.T) {
	k := testKeys(t, 1)
	now := time.Unix(1_700_000_000, 0)
	c := Claims{Subject: "u1", Tenant: "acme", AppID: "app_1", Scope: ScopeSDK, IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()}
	tok := k.Sign(c)
	if !LooksLikeJWT(tok) {
		t.Fatalf("%q does not look like a JWT", tok)
	}
	got, err := k.Verify(tok, now.Add(59*time.Minute))
	if err != nil || got != c {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, c)
	}
	if k.Sign(c) != tok {
		t.Fatal("signing the same claims twice gave two tokens")
	}

	f := func(name, token string, at time.Time, want error) {
		t.Helper()
		if _, err := k.Verify(token, at); !errors.Is(err, want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, want)
		}
	}
	f("expired", tok, now.Add(time.Hour), ErrExpired)
	f("other key", testKeys(t, 2).Sign(c), now, ErrSignature)
	parts := strings.Split(tok, ".")
	f("changed payload", parts[0]+"."+base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u2","tenant":"acme","scope":"sdk","exp":9999999999}`))+"."+parts[2], now, ErrSignature)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	f("alg none", none+"."+parts[1]+".", now, ErrMalformed)
	f("empty", "", now, ErrMalformed)
	f("two parts", parts[0]+"."+parts[1], now, ErrMalformed)
	f("bad signature encoding", parts[0]+"."+parts[1]+".!!", now, ErrMalformed)
	other := c
	other.Scope = "admin"
	f("wrong scope", k.Sign(other), now, ErrScope)
	other = c
	other.Subject = ""
	f("no subject", k.Sign(other), now, ErrMalformed)
}

func TestSuccessorAndHash(t *testing.T) {
	k := testKeys(t, 1)
	old := NewRefreshToken()
	if !strings.HasPrefix(old, RefreshPrefix) || len(old) != len(RefreshPrefix)+64 {
		t.Fatalf("refresh token %q has the wrong form", old)
	}
	next := k.Successor(old)
	if next == old || next != k.Successor(old) || !strings.HasPrefix(next, RefreshPrefix) || len(next) != len(old) {
		t.Fatalf("Successor(%q) = %q: want a stable, different token of the same form", old, next)
	}
	if testKeys(t, 2).Successor(old) == next {
		t.Fatal("Successor does not depend on the key")
	}
	if k.Hash(old) == k.Hash(next) || k.Hash(old) != k.Hash(old) || !Equal(k.Hash(old), k.Hash(old)) {
		t.Fatal("Hash is not a stable function of the credential")
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewCode()
		if n, ok := NormalizeCode(c); !ok || n != c {
			t.Fatalf("NewCode gave %q, which does not normalise to itself", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes in 200", len(seen))
	}
	f := func(in, want string, wantOK bool) {
		t.Helper()
		got, ok := NormalizeCode(in)
		if ok != wantOK || (ok && got != want) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", in, got, ok, want, wantOK)
		}
	}
	f("abcd-ef23", "ABCDEF23", true)
	f(" ABCD EF23 ", "ABCDEF23", true)
	f("ABCDEF2", "", false)
	f("ABCDEF234", "", false)
	f("ABCDEF2O", "", false) // O is not in the alphabet
	f("ÄBCDEF23", "", false)
}

func FuzzVerify(f *testing.F) {
	k := testKeys(f, 1)
	now := time.Unix(1_700_000_000, 0)
	f.Add(k.Sign(Claims{Subject: "u", Tenant: "t", Scope: ScopeSDK, ExpiresAt: now.Unix() + 60}))
	f.Add("eyJ.eyJ.sig")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := k.Verify(token, now)
		if err == nil && (c.Subject == "" || c.Scope != ScopeSDK || c.ExpiresAt <= now.Unix()) {
			t.Fatalf("Verify accepted %q with claims %+v", token, c)
		}
	})
}

func FuzzNormalizeCode(f *testing.F) {
	f.Add("abcd-ef23")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if c, ok := NormalizeCode(s); ok {
			if len(c) != CodeLength || strings.Trim(c, CodeAlphabet) != "" {
				t.Fatalf("NormalizeCode(%q) = %q", s, c)
			}
		}
	})
}
