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
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/schemas"
)

// fitFile is one uploaded FIT file and what it holds.
type fitFile struct {
	Name       string `json:"name"`
	RawEventID string `json:"raw_event_id"`
	Workouts   int    `json:"workouts"`
	Laps       int    `json:"laps"`
	Records    int    `json:"records"`
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
	var workouts, laps, records int64
	err = g.eachFIT(c, body, func(name string, b []byte) error {
		acts, err := fit.Decode(b)
		if err != nil {
			return badRequest("invalid_fit", fmt.Sprintf("file %q: %v", name, err))
		}
		f := fitFile{Name: name}
		for _, a := range acts {
			f.Workouts += len(a.Sessions)
			f.Laps += len(a.Laps)
			f.Records += len(a.Records)
		}
		if run == nil {
			if run, err = g.startRun(ctx, u, fit.Provider, "fit_import"); err != nil {
				return err
			}
		}
		raw, err := g.produceFile(c, u, fit.Provider, fit.ContentType, run.run.ID, b)
		if err != nil {
			return err
		}
		f.RawEventID = raw
		files = append(files, f)
		workouts, laps, records = workouts+int64(f.Workouts), laps+int64(f.Laps), records+int64(f.Records)
		run.progress(ctx, int64(len(files)), body.n)
		return nil
	})
	if err == nil && len(files) == 0 {
		err = badRequest("missing_file", "file: no FIT file in the request (send it as the form field \"file\" or as the body)")
	}
	if err != nil {
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
	msg := fmt.Sprintf("imported %d FIT files: %d workouts, %d laps, %d records", len(files), workouts, laps, records)
	if err := run.finish(int64(len(files)), body.n, msg, nil); err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status":          "accepted",
		"run_id":          run.run.ID,
		"task_id":         run.run.ID,
		"user_id":         u.ID,
		"items_processed": len(files),
		"workouts":        workouts,
		"laps":            laps,
		"records":         records,
		"files":           files,
	})
}

// eachFIT calls fn with every uploaded file, read whole (at most
// WEARSTREAM_MAX_BODY_BYTES each).
func (g *Gateway) eachFIT(c *fiber.Ctx, body io.Reader, fn func(name string, b []byte) error) error {
	limit := g.env.Config.MaxBodyBytes
	read := func(name string, r io.Reader) error {
		b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return importError(err, 0)
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
			return importError(err, 0)
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
func (g *Gateway) produceFile(c *fiber.Ctx, u schemas.User, provider, contentType, runID string, b []byte) (string, error) {
	p := g.newChunkProducer(u, provider, contentType, runID)
	if err := p.produce(c.UserContext(), b, 1); err != nil {
		return "", importError(err, 0)
	}
	if err := p.wait(); err != nil {
		return "", importError(err, 0)
	}
	return p.lastID, nil
}
