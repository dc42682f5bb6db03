package ingest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/secrets"
)

func TestStateSignAndVerify(t *testing.T) {
	key, _ := secrets.ParseKey(secrets.NewKey())
	s, err := NewStateSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	st := State{Tenant: "acme", UserID: "u1", Provider: "garmin", RedirectURI: "https://app.example/done", Verifier: "verifier-123", Expires: now.Add(StateTTL)}
	token := s.Sign(st)
	if strings.Contains(token, "verifier-123") {
		t.Fatal("the verifier is readable in the state")
	}
	got, err := s.Verify(token, now)
	if err != nil || got.Verifier != st.Verifier || got.UserID != "u1" || got.RedirectURI != st.RedirectURI {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	f := func(name, token string, at time.Time) {
		t.Helper()
		if _, err := s.Verify(token, at); !errors.Is(err, ErrBadState) {
			t.Errorf("%s: err = %v, want ErrBadState", name, err)
		}
	}
	f("expired", token, now.Add(StateTTL+time.Second))
	body, sig, _ := strings.Cut(token, ".")
	f("changed body", body+"x."+sig, now)
	f("no signature", body, now)
	other, _ := NewStateSigner([]byte(strings.Repeat("k", 32)))
	f("other key", other.Sign(st), now)
}

func TestVerifyHMAC(t *testing.T) {
	body := []byte(`{"event":"EXERCISE"}`)
	f := func(secret, header string, ok bool) {
		t.Helper()
		err := VerifyHMAC(secret, header, body)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrUnverified)) {
			t.Errorf("VerifyHMAC(%q, %q) = %v, want ok %v", secret, header, err, ok)
		}
	}
	f("s3cret", SignHMAC("s3cret", body), true)
	f("s3cret", strings.ToUpper(SignHMAC("s3cret", body)), true)
	f("s3cret", SignHMAC("other", body), false)
	f("", SignHMAC("", body), false)
	f("s3cret", "", false)
	f("s3cret", "zz", false)
}

func TestSessionURLStaysOnTheAPIHost(t *testing.T) {
	s := &Session{Provider: "polar", Settings: Settings{APIURL: "https://www.polaraccesslink.com"}}
	f := func(in, want string, ok bool) {
		t.Helper()
		got, err := s.URL(in, nil)
		if (err == nil) != ok || (ok && got != want) {
			t.Errorf("URL(%q) = %q, %v; want %q ok %v", in, got, err, want, ok)
		}
	}
	f("/v3/exercises?samples=true", "https://www.polaraccesslink.com/v3/exercises?samples=true", true)
	f("https://www.polaraccesslink.com/v3/exercises/x", "https://www.polaraccesslink.com/v3/exercises/x", true)
	f("https://attacker.example/v3/exercises/x", "", false)
	f("http://www.polaraccesslink.com/v3/exercises/x", "", false)
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := func(in string, want time.Duration) {
		t.Helper()
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	f("", 0)
	f("30", 30*time.Second)
	f(now.Add(time.Minute).Format(http.TimeFormat), time.Minute)
	f("soon", 0)
}

func TestWindows(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Windows(start, start.Add(65*24*time.Hour), 30*24*time.Hour)
	if len(w) != 3 || !w[2][1].Equal(start.Add(65*24*time.Hour)) || !w[1][0].Equal(w[0][1]) {
		t.Fatalf("windows = %v", w)
	}
}

func FuzzVerifyHMAC(f *testing.F) {
	body := []byte(`{"event":"EXERCISE"}`)
	f.Add("secret", SignHMAC("secret", body), body)
	f.Add("", "", []byte{})
	f.Fuzz(func(t *testing.T, secret, header string, body []byte) {
		err := VerifyHMAC(secret, header, body)
		if err == nil && (secret == "" || !strings.EqualFold(strings.TrimSpace(header), SignHMAC(secret, body))) {
			t.Fatalf("verified a wrong signature %q", header)
		}
	})
}

func FuzzStateVerify(f *testing.F) {
	key := []byte(strings.Repeat("k", 32))
	s, _ := NewStateSigner(key)
	f.Add(s.Sign(State{Tenant: "t", UserID: "u", Provider: "p", Verifier: "v", Expires: time.Unix(2e9, 0)}))
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, token string) {
		st, err := s.Verify(token, time.Unix(1e9, 0))
		if err == nil && st.Tenant != "t" {
			t.Fatalf("accepted a state it did not sign: %+v", st)
		}
	})
}
