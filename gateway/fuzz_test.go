package gateway

// Fuzz targets of the gateway's parsers of outside input: log iterators and
// filters, the JSON bodies of users, applications, tokens, endpoint PATCH
// and recover, and the multipart and zip uploads. Seeds are the shapes the
// tests and the probe sent.

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/config"
)

// fuzzCtx is a Fiber context of a request with the given query and headers.
func fuzzCtx(app *fiber.App, query string, headers map[string]string, body []byte) (*fiber.Ctx, func()) {
	rc := &fasthttp.RequestCtx{}
	rc.Request.SetRequestURI("/x?" + query)
	for k, v := range headers {
		rc.Request.Header.Set(k, v)
	}
	rc.Request.SetBody(body)
	c := app.AcquireCtx(rc)
	return c, func() { app.ReleaseCtx(c) }
}

// wantClientError fails unless err is nil or a 4xx *Error with a message.
func wantClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 || e.Message == "" {
		t.Fatalf("error %v is not a client error", err)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("OTk5OTk5OTk5OTk5OTk5OTkuMC54")
	f.Add(cursor{sec: 1767225600, ms: 5, id: "att-1"}.encode())
	f.Add(cursor{sec: 0, ms: 0, id: "msg_x"}.encode())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		wantClientError(t, err)
		if err != nil {
			return
		}
		if c.sec < minLogTime.Unix() || c.sec > maxLogTime.Unix() || c.ms > 999 || !validCursorID(c.id) {
			t.Fatalf("accepted %q as %+v", s, c)
		}
		if again, err := decodeCursor(c.encode()); err != nil || *again != *c {
			t.Fatalf("%+v does not round-trip: %v", c, err)
		}
	})
}

func FuzzParseLogFilter(f *testing.F) {
	f.Add("limit=10&status=failed&event_types=workout.created,sleep.created")
	f.Add("before=9999-12-31T23:59:59Z&after=0001-01-01T00:00:00Z")
	f.Add("iterator=OTk5OTk5OTk5OTk5OTk5OTkuMC54&before=2026-01-01T00:00:00%2B14:00")
	f.Add("event_types[]=a&event_types[]=b&status=2")
	a := fiber.New()
	f.Fuzz(func(t *testing.T, query string) {
		c, release := fuzzCtx(a, query, nil, nil)
		defer release()
		lf, err := parseLogFilter(c)
		wantClientError(t, err)
		if err != nil {
			return
		}
		for _, b := range []time.Time{lf.after, lf.before} {
			if !b.IsZero() && (b.Before(minLogTime) || b.After(maxLogTime)) {
				t.Fatalf("bound %v outside the log's range from %q", b, query)
			}
		}
		if lf.limit < 1 || lf.limit > maxLogLimit || len(lf.eventTypes) > maxFilterTypes {
			t.Fatalf("filter %+v from %q", lf, query)
		}
	})
}

func FuzzParseUser(f *testing.F) {
	f.Add([]byte(`{"external_user_id":"ext-1","email":"jane@example.com","first_name":"Jane","last_name":"Doe"}`))
	f.Add([]byte(`{"email":null}`))
	f.Add([]byte(`{"email":"nope"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := parseUser(body)
		wantClientError(t, err)
		if err == nil && (len(u.Email) > maxNameLen || len(u.FirstName) > maxNameLen || len(u.LastName) > maxNameLen || len(u.ExternalUserID) > maxNameLen) {
			t.Fatalf("accepted an overlong field: %+v", u)
		}
	})
}

func FuzzParseApplication(f *testing.F) {
	f.Add([]byte(`{"name":"iOS app"}`))
	f.Add([]byte(`{"name":7}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseApplication(body)
		wantClientError(t, err)
		if err == nil && len(req.Name) > maxNameLen {
			t.Fatalf("accepted a name of %d bytes", len(req.Name))
		}
	})
}

func FuzzParseTokenBodies(f *testing.F) {
	f.Add([]byte(`{"refresh_token":"rt-abc"}`))
	f.Add([]byte(`{"app_id":"app_1","app_secret":"secret_1"}`))
	f.Add([]byte(`{"code":"abcd-efgh"}`))
	f.Add([]byte(`{"code":"ÄÖÜ"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rt, err := parseRefresh(body)
		wantClientError(t, err)
		if err == nil && (rt == "" || len(rt) > maxTokenLen) {
			t.Fatalf("accepted refresh token %q", rt)
		}
		_, err = parseIssue(body)
		wantClientError(t, err)
		_, code, ok, err := parseRedeem(body)
		wantClientError(t, err)
		if ok && len(code) != 8 {
			t.Fatalf("accepted code %q", code)
		}
	})
}

func FuzzParseEndpointPatch(f *testing.F) {
	f.Add([]byte(`{"description":"renamed","user_id":null,"filter_types":[]}`))
	f.Add([]byte(`{"url":"https://example.com/h","disabled":true}`))
	f.Add([]byte(`{"filter_types":["nope.created"]}`))
	f.Add([]byte(`{"x":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseEndpointPatch(body)
		wantClientError(t, err)
		if err != nil {
			return
		}
		if p.Description != nil && len(*p.Description) > maxDescriptionLen || p.FilterTypes != nil && len(*p.FilterTypes) > maxFilterTypesLen {
			t.Fatalf("accepted an overlong field from %q", body)
		}
	})
}

func FuzzParseRecover(f *testing.F) {
	f.Add([]byte(`{"since":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"since":"2026-01-01T00:00:00Z","until":"2026-01-02T00:00:00Z"}`))
	f.Add([]byte(`{"since":"9999-12-31T23:59:59Z"}`))
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		since, until, err := parseRecover(body, now)
		wantClientError(t, err)
		if err == nil && (!since.Before(until) || until.After(now) || until.Sub(since) > 14*24*time.Hour) {
			t.Fatalf("accepted since %v until %v", since, until)
		}
	})
}

// FuzzUploadedFile feeds multipart bodies to the import routes' part reader.
func FuzzUploadedFile(f *testing.F) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, _ := w.CreateFormFile("file", "export.xml")
	_, _ = part.Write([]byte(`<HealthData><Record type="HKQuantityTypeIdentifierStepCount"/></HealthData>`))
	_ = w.Close()
	f.Add(b.Bytes(), w.Boundary())
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n"), "b")
	f.Add([]byte(""), "")
	a := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		c, release := fuzzCtx(a, "", map[string]string{"Content-Type": "multipart/form-data; boundary=" + boundary}, nil)
		defer release()
		r, err := uploadedFile(c, bytes.NewReader(body))
		wantClientError(t, err)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
		}
	})
}

// FuzzExportXML feeds zip uploads to the reader that finds export.xml.
func FuzzExportXML(f *testing.F) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	e, _ := zw.Create("apple_health_export/export.xml")
	_, _ = e.Write([]byte(`<HealthData/>`))
	_ = zw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte(`<HealthData/>`))
	g := &Gateway{env: &app.Env{Config: config.Config{ImportSpoolDir: f.TempDir()}}}
	f.Fuzz(func(t *testing.T, upload []byte) {
		r, cleanup, err := g.exportXML(bytes.NewReader(upload))
		wantClientError(t, err)
		if err != nil {
			return
		}
		defer cleanup()
		_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
	})
}
