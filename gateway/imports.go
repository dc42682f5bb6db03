package gateway

// File imports. An Apple Health export (the export.zip the Health app
// writes, or its export.xml) can be gigabytes, so the import routes read
// the request body as a stream (the server runs with StreamRequestBody; see
// limits.go for the other routes): a multipart part or a raw body, up to
// WEARSTREAM_IMPORT_MAX_BYTES. An XML upload goes straight through the
// streaming parser; a zip is spooled to a temporary file first, because a
// zip's directory is at its end, and its export.xml entry is then streamed.
// The parser (ingest/applexml) cuts the records into chunks, each produced
// as a raw event with at most importInFlight chunks awaiting Kafka's
// acknowledgement, so memory stays flat whatever the size. The request is
// answered 202 once every chunk is acknowledged; the run and its progress
// are in GET /users/{user_id}/sync/runs and in sync.* lifecycle events.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/applexml"
	"github.com/wearstream/wearstream/schemas"
)

// importInFlight is the most chunks of one import waiting for Kafka.
const importInFlight = 8

// uploadIdleTimeout is how long an upload may send nothing before the
// connection is dropped; it replaces the server's read timeout on the
// import routes, whose bodies take as long as they take.
const uploadIdleTimeout = 60 * time.Second

// errTooLarge is the error of a body past WEARSTREAM_IMPORT_MAX_BYTES.
var errTooLarge = errors.New("upload too large")

// importAppleXML answers POST /users/{user_id}/import/apple/xml/direct.
func (g *Gateway) importAppleXML(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	body := g.uploadBody(c)
	file, err := uploadedFile(c, body)
	if err != nil {
		return err
	}
	export, cleanup, err := g.exportXML(file)
	if err != nil {
		return err
	}
	defer cleanup()

	ctx := c.UserContext()
	run, err := g.startRun(ctx, u, "apple", "xml_import")
	if err != nil {
		return err
	}
	p := g.newChunkProducer(u, "apple", applexml.ContentType, run.run.ID)
	var items int64
	// A chunk must fit a raw record, whose limit follows the body limit.
	opts := applexml.Options{ChunkBytes: min(applexml.DefaultChunkBytes, g.env.Config.MaxBodyBytes/2)}
	stats, splitErr := applexml.Split(export, opts, func(chunk []byte, n int) error {
		if err := p.produce(ctx, chunk, n); err != nil {
			return err
		}
		items += int64(n)
		run.progress(ctx, items, body.n)
		return nil
	})
	if err := p.wait(); err != nil && splitErr == nil {
		splitErr = err
	}
	// Only acknowledged chunks count: a failed import reports what is
	// surely in Kafka and what is not (importing the same file again is
	// idempotent).
	if splitErr != nil {
		acct := p.account()
		answer := importError(splitErr, acct)
		if err := run.finish(acct.itemsStored, body.n, answer.Message, splitErr); err != nil {
			g.env.Logger.Warn("cannot record failed import", "run_id", run.run.ID, "err", err)
		}
		return answer
	}
	msg := fmt.Sprintf("imported %d records and %d workouts in %d chunks", stats.Records, stats.Workouts, stats.Chunks)
	if err := run.finish(stats.Items(), body.n, msg, nil); err != nil {
		return unrecordedEnd(fmt.Sprintf("all %d items were stored", stats.Items()))
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status":          "accepted",
		"run_id":          run.run.ID,
		"task_id":         run.run.ID,
		"user_id":         u.ID,
		"items_processed": stats.Items(),
		"records":         stats.Records,
		"workouts":        stats.Workouts,
		"chunks":          stats.Chunks,
		"bytes":           body.n,
	})
}

// importError is the answer to an import that stopped on err, naming what
// was stored (acct) and what was not.
func importError(err error, acct importAccount) *Error {
	var pe *produceError
	switch {
	case errors.As(err, &pe):
		return unavailable(acct.describe(pe) + "; retry later (importing the same file again does not duplicate data)")
	case errors.Is(err, errTooLarge):
		return newError(http.StatusRequestEntityTooLarge, "payload_too_large", "file: the upload is larger than the configured limit (WEARSTREAM_IMPORT_MAX_BYTES); "+acct.stored())
	case errors.Is(err, applexml.ErrNotExport):
		return badRequest("invalid_export", "file: "+err.Error())
	}
	return badRequest("invalid_export", fmt.Sprintf("file: %v; %s", err, acct.stored()))
}

// unrecordedEnd is the answer to an import whose data is stored but whose
// run could not be recorded as ended.
func unrecordedEnd(stored string) *Error {
	return unavailable(stored + ", but the end of the import could not be recorded; retry later (importing the same file again does not duplicate data)")
}

// countingBody is the request body as a stream: it counts bytes, stops at
// the import limit and keeps the connection's read deadline moving.
type countingBody struct {
	r        io.Reader
	n        int64
	limit    int64
	extend   func()
	extended time.Time
}

func (b *countingBody) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(b.extended) > time.Second {
		b.extended = now
		b.extend()
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return n, errTooLarge
	}
	return n, err
}

// uploadBody returns the request body as a stream.
func (g *Gateway) uploadBody(c *fiber.Ctx) *countingBody {
	var r io.Reader
	if c.Request().IsBodyStream() {
		r = c.Context().RequestBodyStream()
	} else {
		r = bytes.NewReader(c.Body())
	}
	conn := c.Context().Conn()
	return &countingBody{
		r:     r,
		limit: int64(g.env.Config.ImportMaxBytes),
		extend: func() {
			if conn != nil {
				_ = conn.SetReadDeadline(time.Now().Add(uploadIdleTimeout))
			}
		},
	}
}

// uploadedFile finds the uploaded file in the request: the "file" part (or
// else the first file part) of a multipart/form-data body, or the body
// itself for any other content type.
func uploadedFile(c *fiber.Ctx, body io.Reader) (io.Reader, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return body, nil
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, badRequest("invalid_body", "Content-Type: multipart body without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badRequest("missing_file", "file: no file in the multipart body (send it as the form field \"file\")")
		}
		if errors.Is(err, errTooLarge) {
			return nil, importError(err, importAccount{})
		}
		if err != nil {
			return nil, badRequest("invalid_body", "cannot read the multipart body: "+err.Error())
		}
		if part.FormName() == "file" || part.FileName() != "" {
			return part, nil
		}
	}
}

// zipMagic starts every zip file.
var zipMagic = []byte("PK\x03\x04")

// exportXML returns the export.xml stream of an upload: the upload itself,
// or the export.xml entry of a zip spooled to a temporary file. cleanup
// removes the spooled file.
func (g *Gateway) exportXML(upload io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(upload, 64<<10)
	head, _ := br.Peek(len(zipMagic))
	if !bytes.Equal(head, zipMagic) {
		return br, func() {}, nil
	}
	f, err := os.CreateTemp(g.env.Config.ImportSpoolDir, "wearstream-import-*.zip")
	if err != nil {
		return nil, nil, fmt.Errorf("cannot spool upload: %w", err)
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	size, err := io.Copy(f, br)
	if err != nil {
		cleanup()
		if errors.Is(err, errTooLarge) {
			return nil, nil, importError(err, importAccount{})
		}
		return nil, nil, badRequest("invalid_body", "cannot read the upload: "+err.Error())
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		cleanup()
		return nil, nil, badRequest("invalid_export", "file: not a readable zip: "+err.Error())
	}
	entry := exportEntry(zr)
	if entry == nil {
		cleanup()
		return nil, nil, badRequest("invalid_export", "file: the zip has no export.xml (want the export.zip of the Health app)")
	}
	rc, err := entry.Open()
	if err != nil {
		cleanup()
		return nil, nil, badRequest("invalid_export", "file: cannot open "+entry.Name+": "+err.Error())
	}
	// A zip bomb expands into a long import, not into memory; still, no
	// export is a hundred times its compressed size.
	limited := &limitedEntry{r: rc, left: 100*size + 1<<20}
	return limited, func() { _ = rc.Close(); cleanup() }, nil
}

// exportEntry finds apple_health_export/export.xml (or any export.xml) in a
// zip; the clinical export_cda.xml is not it.
func exportEntry(zr *zip.Reader) *zip.File {
	var found *zip.File
	for _, f := range zr.File {
		if path.Base(f.Name) != "export.xml" {
			continue
		}
		if found == nil || strings.Count(f.Name, "/") < strings.Count(found.Name, "/") {
			found = f
		}
	}
	return found
}

type limitedEntry struct {
	r    io.Reader
	left int64
}

func (l *limitedEntry) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// produceError is a chunk that Kafka did not acknowledge.
type produceError struct {
	chunk chunkSpan
	err   error
}

func (e *produceError) Error() string {
	return fmt.Sprintf("cannot produce import chunk %d: %v", e.chunk.seq, e.err)
}
func (e *produceError) Unwrap() error { return e.err }

// chunkSpan is one chunk of an import: its number and the items in it,
// counted from 0 in the order the upload holds them.
type chunkSpan struct {
	seq   int
	first int64
	items int64
}

// importAccount is what became of the chunks of an import so far.
type importAccount struct {
	chunksSent, chunksStored int
	itemsSent, itemsStored   int64
}

// stored says what of the import is in Kafka.
func (a importAccount) stored() string {
	if a.chunksStored == 0 {
		return "nothing of it was stored"
	}
	return fmt.Sprintf("stored: %d of the %d chunks sent, %d of the %d items sent", a.chunksStored, a.chunksSent, a.itemsStored, a.itemsSent)
}

// describe says which chunk Kafka refused, why, and what was stored.
func (a importAccount) describe(pe *produceError) string {
	c := pe.chunk
	what := fmt.Sprintf("chunk %d (items %d to %d of the upload) was not stored: %v", c.seq, c.first+1, c.first+c.items, pe.err)
	if c.items == 0 {
		what = fmt.Sprintf("the upload was not stored: %v", pe.err)
	}
	return what + "; " + a.stored() + "; the rest of the upload was not read"
}

// chunkProducer produces the chunks of one import as raw events, keyed by
// user so that they stay in order, with a bounded number in flight.
type chunkProducer struct {
	g           *Gateway
	user        schemas.User
	provider    string
	contentType string
	runID       string

	lastID   string // the id of the last raw event produced
	inflight chan struct{}
	wg       sync.WaitGroup

	mu   sync.Mutex
	err  *produceError // the first chunk Kafka refused
	acct importAccount
}

func (g *Gateway) newChunkProducer(u schemas.User, provider, contentType, runID string) *chunkProducer {
	return &chunkProducer{
		g: g, user: u, provider: provider, contentType: contentType, runID: runID,
		inflight: make(chan struct{}, importInFlight),
	}
}

func (p *chunkProducer) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		return nil
	}
	return p.err
}

// produce sends one chunk of items; it blocks while importInFlight chunks
// await their acknowledgement and fails once any chunk failed.
func (p *chunkProducer) produce(ctx context.Context, body []byte, items int) error {
	if err := p.failed(); err != nil {
		return err
	}
	p.mu.Lock()
	span := chunkSpan{seq: p.acct.chunksSent, first: p.acct.itemsSent, items: int64(items)}
	p.mu.Unlock()
	raw := schemas.RawEvent{
		ID:          uuid.NewString(),
		ReceivedAt:  p.g.now().UTC().Truncate(time.Millisecond),
		Tenant:      p.user.Tenant,
		Provider:    p.provider,
		Kind:        string(schemas.KindImport),
		UserID:      p.user.ID,
		ContentType: p.contentType,
		Headers:     map[string]string{"run_id": p.runID, "chunk": strconv.Itoa(span.seq)},
		Body:        body,
		Parts:       1,
	}
	value, err := p.g.env.Serde.Encode(raw)
	if err != nil {
		return err
	}
	select {
	case p.inflight <- struct{}{}:
	case <-ctx.Done():
		return &produceError{chunk: span, err: ctx.Err()}
	}
	p.lastID = raw.ID
	p.mu.Lock()
	p.acct.chunksSent++
	p.acct.itemsSent += span.items
	p.mu.Unlock()
	pctx, cancel := context.WithTimeout(context.Background(), p.g.produceTimeout)
	p.wg.Add(1)
	rec := &kgo.Record{Topic: p.g.env.Topics.Raw(p.provider), Key: []byte(p.user.ID), Value: value}
	p.g.env.Producer.Produce(pctx, rec, func(_ *kgo.Record, err error) {
		cancel()
		p.mu.Lock()
		switch {
		case err != nil && (p.err == nil || span.seq < p.err.chunk.seq):
			p.g.env.Logger.Warn("import chunk not acknowledged by kafka", "run_id", p.runID, "chunk", span.seq, "err", err)
			p.err = &produceError{chunk: span, err: err}
		case err == nil:
			p.acct.chunksStored++
			p.acct.itemsStored += span.items
		}
		p.mu.Unlock()
		<-p.inflight
		p.wg.Done()
	})
	return nil
}

// wait waits for every chunk's acknowledgement.
func (p *chunkProducer) wait() error {
	p.wg.Wait()
	return p.failed()
}

// account is what became of the chunks sent so far.
func (p *chunkProducer) account() importAccount {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acct
}
