package gateway

// GET /users/{user_id}/export: all of a user's canonical data as NDJSON,
// one record per line with its "kind" (sample, workout, workout_lap, sleep,
// summary, connection), streamed from ClickHouse row by row (reads.Export),
// so a user with millions of samples costs no more memory than one with
// ten. Connections come without tokens. A failure after the first byte
// cannot change the status any more: the stream then ends with a line
// {"kind": "error", "message": …}, and a complete export ends with
// {"kind": "end", "records": n}.

import (
	"bufio"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// exportTimeout bounds one export.
const exportTimeout = 2 * time.Hour

// exportIdleTimeout is how long an export's client may read nothing.
const exportIdleTimeout = 60 * time.Second

func (g *Gateway) exportUser(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	var conns []schemas.Connection
	prefix := schemas.ConnectionKey(u.Tenant, u.ID, "")
	g.env.Tables.Connections.Range(func(key string, conn schemas.Connection) bool {
		if strings.HasPrefix(key, prefix) {
			conns = append(conns, conn)
		}
		return true
	})
	c.Set(fiber.HeaderContentType, "application/x-ndjson")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+u.ID+`.ndjson"`)
	// The server's write timeout (60 s) is set once per response; an export
	// of a large user takes longer, so it moves the deadline on as it
	// writes, and only a client that stops reading is cut.
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		n := 0
		extend := func() {
			if n%4096 == 0 && conn != nil {
				_ = conn.SetWriteDeadline(time.Now().Add(exportIdleTimeout))
			}
		}
		var line []byte
		write := func(kind string, columns []string, values []any) error {
			line = append(line[:0], `{"kind":`...)
			line = strconv.AppendQuote(line, kind)
			for i, col := range columns {
				line = append(line, ',')
				line = strconv.AppendQuote(line, col)
				line = append(line, ':')
				b, err := json.Marshal(values[i])
				if err != nil {
					return err
				}
				line = append(line, b...)
			}
			line = append(line, '}', '\n')
			n++
			extend()
			_, err := w.Write(line)
			return err
		}
		for _, conn := range conns {
			v := g.viewConnection(conn)
			b, _ := json.Marshal(v)
			line = append(append(append(line[:0], `{"kind":"connection",`...), b[1:]...), '\n')
			n++
			if _, err := w.Write(line); err != nil {
				return
			}
		}
		err := g.reads.Export(ctx, u.Tenant, u.ID, write)
		if err != nil {
			g.env.Logger.Error("export failed", "user_id", u.ID, "err", err)
			b, _ := json.Marshal(map[string]any{"kind": "error", "message": "the export stopped early; retry it"})
			_, _ = w.Write(append(b, '\n'))
		} else {
			b, _ := json.Marshal(map[string]any{"kind": "end", "records": n})
			_, _ = w.Write(append(b, '\n'))
		}
		_ = w.Flush()
	})
	return nil
}
