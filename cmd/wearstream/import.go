package main

// wearstream import: streams files to a gateway's import routes with a
// progress line on stderr. The file is never read whole into memory: it is
// copied into a multipart body as the request goes out (chunked transfer
// encoding), so an export of gigabytes uploads like a small one.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wearstream/wearstream/internal/config"
)

const importUsage = `Usage: wearstream import <kind> FILE... --user ID [--url URL] [--key KEY]

  apple-health FILE   an Apple Health export: the export.zip of the Health app, or its export.xml
  fit FILE...         FIT activity files (Garmin, Wahoo, COROS, ...)

  --user ID   the wearstream user the data belongs to (required)
  --url URL   the gateway (default http://$WEARSTREAM_HTTP_ADDR, a local 'make dev')
  --key KEY   an API key (default $WEARSTREAM_API_KEY, else $WEARSTREAM_BOOTSTRAP_API_KEY)
`

// importKinds maps an import kind to its route under /api/v1/users/{id}.
var importKinds = map[string]string{
	"apple-health": "/import/apple/xml/direct",
	"fit":          "/import/fit",
}

func runImport(ctx context.Context, args []string) error {
	return importTo(ctx, args, os.Stderr)
}

// importTo runs the import command, drawing progress and summaries on out.
func importTo(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Print(importUsage)
		return nil
	}
	kind := args[0]
	route, ok := importKinds[kind]
	if !ok {
		fmt.Fprint(os.Stderr, importUsage)
		return fmt.Errorf("unknown import kind %q (want apple-health or fit)", kind)
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	user := fs.String("user", "", "user id")
	base := fs.String("url", "http://"+cfg.HTTPAddr, "gateway URL")
	key := fs.String("key", firstSet(os.Getenv("WEARSTREAM_API_KEY"), cfg.BootstrapAPIKey), "API key")
	files, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	switch {
	case *user == "":
		return errors.New("--user is required")
	case len(files) == 0:
		return errors.New("no file given")
	case kind == "apple-health" && len(files) != 1:
		return errors.New("apple-health takes one file")
	case *key == "":
		return errors.New("no API key: pass --key or set WEARSTREAM_API_KEY (the key 'make dev' printed)")
	}
	userURL := strings.TrimRight(*base, "/") + "/api/v1/users/" + url.PathEscape(*user)
	// Check the key and the user before sending what may be gigabytes.
	if err := checkUser(ctx, userURL, *key); err != nil {
		return err
	}
	target := userURL + route
	for i, f := range files {
		if err := uploadFile(ctx, out, target, *key, f, kind == "apple-health"); err != nil {
			return failedAt(files, i, err)
		}
	}
	return nil
}

// failedAt is the error of an import of files that failed at files[i]: it
// names the files imported before it and those not sent.
func failedAt(files []string, i int, err error) error {
	err = fmt.Errorf("%s: %w", files[i], err)
	var notes []string
	if i > 0 {
		notes = append(notes, "imported before it: "+strings.Join(files[:i], ", "))
	}
	if i+1 < len(files) {
		notes = append(notes, "not sent: "+strings.Join(files[i+1:], ", "))
	}
	if len(notes) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(notes, "; "))
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// checkUser asks the gateway for the user, so that a wrong key or user id is
// reported at once, with the gateway's message.
func checkUser(ctx context.Context, userURL, key string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, userURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the gateway (is 'make dev' running?): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return gatewayError(resp, body)
}

// gatewayError turns a non-2xx answer into an error with the gateway's message.
func gatewayError(resp *http.Response, body []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return fmt.Errorf("%s (%d %s)", e.Error.Message, resp.StatusCode, e.Error.Code)
	}
	return fmt.Errorf("gateway answered %s: %s", resp.Status, bytes.TrimSpace(body))
}

// uploadFile streams one file as the "file" field of a multipart POST and
// prints the progress, then the gateway's summary, on out.
func uploadFile(ctx context.Context, out io.Writer, target, key, path string, countRecords bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	p := &progress{name: filepath.Base(path), total: info.Size(), start: time.Now()}
	var counter *recordCounter
	zipped := isZip(f)
	if countRecords {
		p.records = new(atomic.Int64)
		if !zipped {
			counter = &recordCounter{n: p.records}
		} else {
			// The zip goes up as it is; its records are counted from the
			// local file, paced by the upload, so the line shows records/s.
			stop := make(chan struct{})
			defer close(stop)
			go countZipRecords(path, p, stop)
		}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			var dst io.Writer = part
			if counter != nil {
				dst = io.MultiWriter(part, counter)
			}
			_, err = io.Copy(dst, io.TeeReader(f, p))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-API-Key", key)

	stop := p.show(out)
	resp, err := http.DefaultClient.Do(req)
	stop()
	if err != nil {
		return fmt.Errorf("cannot upload: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return gatewayError(resp, body)
	}
	var answer importAnswer
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("cannot read the gateway's answer: %w", err)
	}
	fmt.Fprintln(out, answer.summary(p.name, p.total, time.Since(p.start)))
	return nil
}

// importAnswer is the gateway's 202 answer to an import.
type importAnswer struct {
	RunID string `json:"run_id"`
	// Records are the file's data points: <Record> elements of an Apple
	// Health export, record messages of a FIT file.
	Records  int64 `json:"records"`
	Workouts int64 `json:"workouts"`
	// Laps, Samples and Series are in FIT answers only: what the
	// normaliser makes of the file.
	Laps    *int64           `json:"laps"`
	Samples *int64           `json:"samples"`
	Series  map[string]int64 `json:"series"`
}

// summary is the line printed after an upload of size bytes that took
// elapsed, from the request to the gateway's answer.
func (a importAnswer) summary(name string, size int64, elapsed time.Duration) string {
	var what string
	if a.Samples != nil {
		laps := int64(0)
		if a.Laps != nil {
			laps = *a.Laps
		}
		what = fmt.Sprintf("%s, %s, %s → %s in %s", quantity(a.Workouts, "workout"), quantity(laps, "lap"), quantity(a.Records, "record"),
			quantity(*a.Samples, "sample"), quantity(int64(len(a.Series)), "series"))
	} else {
		what = fmt.Sprintf("%s and %s", quantity(a.Records, "record"), quantity(a.Workouts, "workout"))
	}
	rate := int64(float64(a.Records) / max(elapsed.Seconds(), 0.001))
	return fmt.Sprintf("%s: imported %s; %s MB in %s, %s records/s (run %s)", name, what, mb(size), elapsed.Round(10*time.Millisecond), thousands(rate), a.RunID)
}

// quantity is n things, with thousands separators: 1 workout, 12,000 records.
func quantity(n int64, thing string) string {
	if n != 1 && !strings.HasSuffix(thing, "s") {
		thing += "s"
	}
	return thousands(n) + " " + thing
}

func isZip(f *os.File) bool {
	var head [4]byte
	n, _ := f.ReadAt(head[:], 0)
	return n == 4 && string(head[:]) == "PK\x03\x04"
}

// recordCounter counts <Record and <Workout elements in an XML stream.
type recordCounter struct {
	n    *atomic.Int64
	tail []byte
}

// countZipRecords counts the records of the export.xml inside the zip at
// path into p.records, reading no further into the entry than the share of
// the zip already uploaded, until stop is closed.
func countZipRecords(path string, p *progress, stop <-chan struct{}) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return
	}
	defer z.Close()
	var entry *zip.File
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "export.xml") && (entry == nil || f.UncompressedSize64 > entry.UncompressedSize64) {
			entry = f
		}
	}
	if entry == nil || entry.UncompressedSize64 == 0 || p.total == 0 {
		return
	}
	r, err := entry.Open()
	if err != nil {
		return
	}
	defer r.Close()
	counter := &recordCounter{n: p.records}
	buf := make([]byte, 256<<10)
	var read float64
	for {
		for read/float64(entry.UncompressedSize64) > float64(p.sent.Load())/float64(p.total) {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		n, err := r.Read(buf)
		counter.Write(buf[:n])
		read += float64(n)
		if err != nil {
			return
		}
	}
}

var elementStarts = [][]byte{[]byte("<Record "), []byte("<Workout ")}

func (c *recordCounter) Write(p []byte) (int, error) {
	// Look at the end of the previous write too, so that an element start
	// cut between two writes is counted once.
	buf := append(c.tail, p...)
	var n int64
	for _, s := range elementStarts {
		n += int64(bytes.Count(buf, s))
		if len(c.tail) > 0 {
			n -= int64(bytes.Count(c.tail, s))
		}
	}
	c.n.Add(n)
	keep := min(len(buf), 8)
	c.tail = append(c.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// progress counts uploaded bytes and draws the progress line.
type progress struct {
	name    string
	total   int64
	sent    atomic.Int64
	records *atomic.Int64
	start   time.Time
}

func (p *progress) Write(b []byte) (int, error) {
	p.sent.Add(int64(len(b)))
	return len(b), nil
}

// show draws the progress line on out until the returned function is
// called: redrawn in place on a terminal, one line every ten seconds
// otherwise.
func (p *progress) show(out io.Writer) func() {
	tty := false
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	every := 10 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprintf(out, "\r%s\r", strings.Repeat(" ", 100))
				}
				return
			case <-t.C:
				line := p.line()
				if tty {
					fmt.Fprintf(out, "\r%-100s", line)
				} else {
					fmt.Fprintln(out, line)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// line is one progress line: bar, bytes, records, rates and ETA.
func (p *progress) line() string {
	sent := p.sent.Load()
	elapsed := max(time.Since(p.start).Seconds(), 0.001)
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(sent)/float64(p.total), 1)
	}
	const width = 24
	bar := strings.Repeat("=", int(frac*width)) + strings.Repeat(" ", width-int(frac*width))
	s := fmt.Sprintf("%s [%s] %3.0f%% %s/%s MB", p.name, bar, frac*100, mb(sent), mb(p.total))
	if p.records != nil {
		n := p.records.Load()
		s += fmt.Sprintf("  %s records  %s rec/s", thousands(n), thousands(int64(float64(n)/elapsed)))
	}
	rate := float64(sent) / elapsed
	s += fmt.Sprintf("  %.1f MB/s", rate/(1<<20))
	switch {
	case frac >= 1:
		s += "  waiting for the gateway"
	case rate > 0:
		s += "  ETA " + (time.Duration(float64(p.total-sent)/rate) * time.Second).Round(time.Second).String()
	}
	return s
}

func mb(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

// thousands formats n with thousands separators: 1234567 → 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
