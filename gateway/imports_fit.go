package gateway

// FIT imports: POST /users/{user_id}/import/fit takes one or more FIT
// files (multipart "file" fields, or one file as the raw body). A FIT file
// is small (a long ride is a few MB), so each is read whole, up to
// WEARSTREAM_MAX_BODY_BYTES, checked (checksum, decodable, has an
// activity) and produced untouched as a raw event of provider fit; the
// processor normalises it (ingest/fit). One request is one sync run.

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/muktihari/fit/profile/filedef"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/schemas"
)

// fitFile is one uploaded FIT file and what it holds. Records are the
// file's record messages (its data points, one a second on most devices);
// workouts, laps and samples are what the processor makes of the file: the
// gateway runs the same normaliser (ingest/fit) on the bytes it decoded to
// check them, so these are exact, not estimates. Series counts the samples
// of each series type.
type fitFile struct {
	Name       string         `json:"name"`
	RawEventID string         `json:"raw_event_id"`
	Bytes      int            `json:"bytes"`
	Records    int            `json:"records"`
	Workouts   int            `json:"workouts"`
	Laps       int            `json:"laps"`
	Samples    int            `json:"samples"`
	Series     map[string]int `json:"series"`
}

// fitTotals adds up the files of one import.
type fitTotals struct {
	records, workouts, laps, samples int64
	series                           map[string]int64
}

func (t *fitTotals) add(f fitFile) {
	t.records += int64(f.Records)
	t.workouts += int64(f.Workouts)
	t.laps += int64(f.Laps)
	t.samples += int64(f.Samples)
	if t.series == nil {
		t.series = map[string]int64{}
	}
	for name, n := range f.Series {
		t.series[name] += int64(n)
	}
}

// describeFIT reads what a decoded FIT file holds and will yield.
func describeFIT(u schemas.User, name string, b []byte, acts []*filedef.Activity) fitFile {
	f := fitFile{Name: name, Bytes: len(b), Series: map[string]int{}}
	for _, a := range acts {
		f.Records += len(a.Records)
	}
	recs := fit.NormalizeActivities(ingest.Context{Tenant: u.Tenant, UserID: u.ID, Provider: fit.Provider}, acts)
	f.Workouts = len(recs.Workouts)
	for _, w := range recs.Workouts {
		f.Laps += len(w.Laps)
	}
	for _, batch := range recs.Samples {
		f.Samples += len(batch.Samples)
		f.Series[batch.SeriesType] += len(batch.Samples)
	}
	return f
}

// importFIT answers POST /users/{user_id}/import/fit.
func (g *Gateway) importFIT(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	body := g.uploadBody(c)
	ctx := c.UserContext()
	var run *syncRun
	var files []fitFile
	var total fitTotals
	err = g.eachFIT(c, body, func(name string, b []byte) error {
		acts, err := fit.Decode(b)
		if err != nil {
			return badRequest("invalid_fit", fmt.Sprintf("file %q: %v", name, err))
		}
		f := describeFIT(u, name, b, acts)
		if run == nil {
			if run, err = g.startRun(ctx, u, fit.Provider, "fit_import"); err != nil {
				return err
			}
		}
		raw, err := g.produceFile(c, u, fit.Provider, fit.ContentType, run.run.ID, name, b)
		if err != nil {
			return err
		}
		f.RawEventID = raw
		files = append(files, f)
		total.add(f)
		run.progress(ctx, int64(len(files)), body.n)
		return nil
	})
	if err == nil && len(files) == 0 {
		err = badRequest("missing_file", "file: no FIT file in the request (send it as the form field \"file\" or as the body)")
	}
	if err != nil {
		err = withStoredFiles(err, files)
		if run != nil {
			var e *Error
			msg := err.Error()
			if errors.As(err, &e) {
				msg = e.Message
			}
			if ferr := run.finish(int64(len(files)), body.n, msg, err); ferr != nil {
				g.env.Logger.Warn("cannot record failed import", "run_id", run.run.ID, "err", ferr)
			}
		}
		return err
	}
	msg := fmt.Sprintf("imported %d FIT files: %d workouts, %d laps, %d records, %d samples", len(files), total.workouts, total.laps, total.records, total.samples)
	if err := run.finish(int64(len(files)), body.n, msg, nil); err != nil {
		return unrecordedEnd(fmt.Sprintf("all %d files were stored", len(files)))
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status":          "accepted",
		"run_id":          run.run.ID,
		"task_id":         run.run.ID,
		"user_id":         u.ID,
		"items_processed": len(files),
		"bytes":           body.n,
		"records":         total.records,
		"workouts":        total.workouts,
		"laps":            total.laps,
		"samples":         total.samples,
		"series":          total.series,
		"files":           files,
	})
}

// withStoredFiles adds to the answer of a failed FIT import which files
// were stored before the failure.
func withStoredFiles(err error, stored []fitFile) error {
	var e *Error
	if !errors.As(err, &e) || len(stored) == 0 {
		return err
	}
	names := make([]string, len(stored))
	for i, f := range stored {
		names[i] = strconv.Quote(f.Name)
	}
	out := *e
	out.Message = fmt.Sprintf("%s; stored before it: %d file(s), %s (importing them again does not duplicate data); the rest of the request was not read",
		e.Message, len(stored), strings.Join(names, ", "))
	return &out
}

// eachFIT calls fn with every uploaded file, read whole (at most
// WEARSTREAM_MAX_BODY_BYTES each).
func (g *Gateway) eachFIT(c *fiber.Ctx, body io.Reader, fn func(name string, b []byte) error) error {
	limit := g.env.Config.MaxBodyBytes
	read := func(name string, r io.Reader) error {
		b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return importError(err, importAccount{})
			}
			return badRequest("invalid_body", "cannot read the upload: "+err.Error())
		}
		if len(b) > limit {
			return newError(http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("file %q: larger than the configured limit (WEARSTREAM_MAX_BODY_BYTES)", name))
		}
		return fn(name, b)
	}
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return read("body", body)
	}
	if params["boundary"] == "" {
		return badRequest("invalid_body", "Content-Type: multipart body without a boundary")
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, errTooLarge) {
			return importError(err, importAccount{})
		}
		if err != nil {
			return badRequest("invalid_body", "cannot read the multipart body: "+err.Error())
		}
		if part.FormName() != "file" && part.FileName() == "" {
			continue
		}
		name := part.FileName()
		if name == "" {
			name = "file"
		}
		if err := read(name, part); err != nil {
			return err
		}
	}
}

// produceFile produces one uploaded file as a raw event and returns its id
// once Kafka acknowledged it.
func (g *Gateway) produceFile(c *fiber.Ctx, u schemas.User, provider, contentType, runID, name string, b []byte) (string, error) {
	p := g.newChunkProducer(u, provider, contentType, runID)
	err := p.produce(c.UserContext(), b, 1)
	if err == nil {
		err = p.wait()
	}
	var pe *produceError
	if errors.As(err, &pe) {
		return "", unavailable(fmt.Sprintf("file %q was not stored: %v; retry later", name, pe.err))
	}
	if err != nil {
		return "", err
	}
	return p.lastID, nil
}
