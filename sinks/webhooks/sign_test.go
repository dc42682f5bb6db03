package webhooks

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks specification's published example.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecExample(t *testing.T) {
	got, err := Sign(specSecret, specMsgID, time.Unix(specTimestamp, 0), []byte(specBody))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if got != specSignature {
		t.Fatalf("Sign = %q, want %q", got, specSignature)
	}

	// The prefix is optional, as in the reference libraries.
	got, err = Sign(strings.TrimPrefix(specSecret, SecretPrefix), specMsgID, time.Unix(specTimestamp, 0), []byte(specBody))
	if err != nil || got != specSignature {
		t.Fatalf("Sign without prefix = %q, %v; want %q", got, err, specSignature)
	}
}

func TestSignInvalidSecret(t *testing.T) {
	f := func(secret string) {
		t.Helper()
		if _, err := Sign(secret, specMsgID, time.Unix(specTimestamp, 0), nil); !errors.Is(err, ErrInvalidSecret) {
			t.Fatalf("Sign(%q) error = %v, want ErrInvalidSecret", secret, err)
		}
	}
	f("whsec_not base64!")
	f("whsec_")
	f("")
}

func TestSignAll(t *testing.T) {
	other, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	ts := time.Unix(specTimestamp, 0)
	header, err := SignAll([]string{specSecret, other}, specMsgID, ts, []byte(specBody))
	if err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	sigs := strings.Split(header, " ")
	if len(sigs) != 2 || sigs[0] != specSignature {
		t.Fatalf("SignAll = %q, want two signatures starting with %q", header, specSignature)
	}
	// A receiver that knows only one of the secrets accepts the header.
	for _, secret := range []string{specSecret, other} {
		if err := Verify([]string{secret}, specMsgID, strconv.Itoa(specTimestamp), header, []byte(specBody), ts, 0); err != nil {
			t.Fatalf("Verify with one rotated secret: %v", err)
		}
	}
	if _, err := SignAll(nil, specMsgID, ts, nil); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("SignAll without secrets error = %v, want ErrNoSecret", err)
	}
	if _, err := SignAll([]string{specSecret, "whsec_%%%"}, specMsgID, ts, nil); !errors.Is(err, ErrInvalidSecret) {
		t.Fatalf("SignAll with a bad secret error = %v, want ErrInvalidSecret", err)
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	if a == b {
		t.Fatalf("two secrets are equal: %q", a)
	}
	if !strings.HasPrefix(a, SecretPrefix) {
		t.Fatalf("secret %q lacks prefix %q", a, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, SecretPrefix))
	if err != nil || len(key) != 24 {
		t.Fatalf("secret %q decodes to %d bytes, %v; want 24", a, len(key), err)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(specTimestamp, 0)
	ts := strconv.Itoa(specTimestamp)
	f := func(secrets []string, msgID, timestamp, header, body string, now time.Time, want error) {
		t.Helper()
		err := Verify(secrets, msgID, timestamp, header, []byte(body), now, 0)
		if want == nil && err != nil {
			t.Fatalf("Verify = %v, want nil", err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Fatalf("Verify = %v, want %v", err, want)
		}
	}
	spec := []string{specSecret}

	f(spec, specMsgID, ts, specSignature, specBody, now, nil)
	// Within the five-minute tolerance on both sides.
	f(spec, specMsgID, ts, specSignature, specBody, now.Add(5*time.Minute), nil)
	f(spec, specMsgID, ts, specSignature, specBody, now.Add(-5*time.Minute), nil)
	// Several signatures, unknown versions and junk are skipped.
	f(spec, specMsgID, ts, "v1a,abc v2,xyz junk v1,AAAA "+specSignature, specBody, now, nil)
	f(spec, specMsgID, ts, "  "+specSignature+"  ", specBody, now, nil)
	// The right secret among several.
	f([]string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret key")), specSecret}, specMsgID, ts, specSignature, specBody, now, nil)

	f(spec, specMsgID, ts, specSignature, specBody, now.Add(5*time.Minute+time.Second), ErrTimestampTooOld)
	f(spec, specMsgID, ts, specSignature, specBody, now.Add(-5*time.Minute-time.Second), ErrTimestampTooNew)
	f(spec, specMsgID, "99999999999999999", specSignature, specBody, now, ErrTimestampTooNew)
	f(spec, specMsgID, "0", specSignature, specBody, now, ErrTimestampTooOld)

	f(spec, specMsgID, ts, specSignature, specBody+" ", now, ErrNoMatchingSignature)
	f(spec, specMsgID+"x", ts, specSignature, specBody, now, ErrNoMatchingSignature)
	f(spec, specMsgID, strconv.Itoa(specTimestamp+1), specSignature, specBody, now, ErrNoMatchingSignature)
	f(spec, specMsgID, ts, "v1,"+strings.Repeat("A", 43)+"=", specBody, now, ErrNoMatchingSignature)
	f(spec, specMsgID, ts, "v2"+specSignature[2:], specBody, now, ErrNoMatchingSignature)
	f(spec, specMsgID, ts, specSignature[:len(specSignature)-2], specBody, now, ErrNoMatchingSignature)
	f([]string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret key"))}, specMsgID, ts, specSignature, specBody, now, ErrNoMatchingSignature)

	f(spec, specMsgID, "1614265330.5", specSignature, specBody, now, ErrInvalidTimestamp)
	f(spec, specMsgID, "-1614265330", specSignature, specBody, now, ErrInvalidTimestamp)
	f(spec, specMsgID, "+1614265330", specSignature, specBody, now, ErrInvalidTimestamp)
	f(spec, specMsgID, "2021-02-25T15:02:10Z", specSignature, specBody, now, ErrInvalidTimestamp)
	f(spec, specMsgID, strings.Repeat("9", 40), specSignature, specBody, now, ErrInvalidTimestamp)

	f(spec, "", ts, specSignature, specBody, now, ErrMissingHeader)
	f(spec, specMsgID, "", specSignature, specBody, now, ErrMissingHeader)
	f(spec, specMsgID, ts, "", specBody, now, ErrMissingHeader)
	f(nil, specMsgID, ts, specSignature, specBody, now, ErrNoSecret)
	f([]string{"whsec_***"}, specMsgID, ts, specSignature, specBody, now, ErrInvalidSecret)
}

func TestVerifyTolerance(t *testing.T) {
	now := time.Unix(specTimestamp, 0).Add(time.Hour)
	ts := strconv.Itoa(specTimestamp)
	if err := Verify([]string{specSecret}, specMsgID, ts, specSignature, []byte(specBody), now, 2*time.Hour); err != nil {
		t.Fatalf("Verify with a two-hour tolerance: %v", err)
	}
	if err := Verify([]string{specSecret}, specMsgID, ts, specSignature, []byte(specBody), now, time.Minute); !errors.Is(err, ErrTimestampTooOld) {
		t.Fatalf("Verify with a one-minute tolerance = %v, want ErrTimestampTooOld", err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(specMsgID, strconv.Itoa(specTimestamp), specSignature, []byte(specBody))
	f.Add(specMsgID, strconv.Itoa(specTimestamp), "v1,"+specSignature+" v1a,xyz", []byte(specBody))
	f.Add("msg_1", "1614265331", "v1,", []byte{})
	f.Add("msg.with.dots", "00001614265330", "v1,==== v1,"+strings.Repeat("/", 44), []byte(`{"type":"x"}`))
	f.Add("", "", "", []byte(nil))

	secrets := []string{specSecret}
	now := time.Unix(specTimestamp, 0)
	f.Fuzz(func(t *testing.T, msgID, timestamp, header string, body []byte) {
		err := Verify(secrets, msgID, timestamp, header, body, now, 0)
		if err == nil {
			// Accepting means the header carries the genuine signature.
			unix, perr := strconv.ParseInt(timestamp, 10, 64)
			if perr != nil {
				t.Fatalf("accepted unparsable timestamp %q", timestamp)
			}
			want, serr := Sign(specSecret, msgID, time.Unix(unix, 0), body)
			if serr != nil {
				t.Fatalf("Sign: %v", serr)
			}
			if !strings.Contains(" "+header+" ", want) {
				t.Fatalf("accepted header %q without signature %q", header, want)
			}
		}

		// A message signed by the sender always verifies.
		if msgID == "" {
			return
		}
		sig, serr := Sign(specSecret, msgID, now, body)
		if serr != nil {
			t.Fatalf("Sign: %v", serr)
		}
		if err := Verify(secrets, msgID, strconv.FormatInt(now.Unix(), 10), header+" "+sig, body, now, 0); err != nil {
			t.Fatalf("Verify of a genuine signature next to %q: %v", header, err)
		}
	})
}
