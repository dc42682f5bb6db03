package gateway

// Body limits by route (the classes are in routes.go). The server streams
// request bodies, so that the import routes can read uploads of any size:
// fasthttp reads at most 8 KB of a body before the handlers run, and the
// rest only when something asks for it. Every route therefore states its
// limit, checked on the declared length before anything else and again
// while the body is read, and nothing calls c.Body() on a body that was not
// bounded first.

import (
	"io"

	"github.com/gofiber/fiber/v2"
)

// maxDrainBytes is how far over its limit a body may be and still be read
// (and dropped) before the 413 is sent, as net/http does, so that a client
// still writing it meets the 413 rather than a closed connection.
const maxDrainBytes = 1 << 20

// checkLength refuses a body whose declared length is over limit, before
// any other work.
func checkLength(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := refuseLong(c, limit); err != nil {
			return err
		}
		return c.Next()
	}
}

// refuseLong is checkLength's check: 413 for a declared length over limit.
func refuseLong(c *fiber.Ctx, limit int) error {
	req := c.Request()
	n := req.Header.ContentLength()
	if n <= limit {
		return nil
	}
	if n-limit <= min(maxDrainBytes, limit) && req.IsBodyStream() {
		_, _ = io.CopyN(io.Discard, c.Context().RequestBodyStream(), int64(n))
	}
	c.Context().SetConnectionClose()
	return fiber.ErrRequestEntityTooLarge
}

// readBody reads the body, never more than limit+1 bytes of it: a body of
// declared length was checked by checkLength; a chunked one is cut here.
func readBody(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := readLimited(c, limit); err != nil {
			return err
		}
		return c.Next()
	}
}

// readLimited is readBody's read.
func readLimited(c *fiber.Ctx, limit int) error {
	req := c.Request()
	if !req.IsBodyStream() {
		return nil
	}
	if req.Header.ContentLength() != -1 {
		req.Body() // bounded: checkLength ran
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), int64(limit)+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return badRequest("invalid_body", "cannot read the request body")
	}
	if len(b) > limit {
		c.Context().SetConnectionClose()
		return fiber.ErrRequestEntityTooLarge
	}
	req.SetBodyRaw(b)
	return nil
}

// streamBody leaves an upload's body to its handler, which reads it as a
// stream up to WEARSTREAM_IMPORT_MAX_BYTES.
func streamBody(c *fiber.Ctx) error {
	// An upload answered before it was read to the end (a 401, a 404)
	// leaves its rest on the connection: never reuse it.
	c.Context().SetConnectionClose()
	return c.Next()
}

// keepAliveGuard closes the connection after a request whose body was not
// read (refused before readBody, or no such route): its rest would
// otherwise be read as the next request.
func (g *Gateway) keepAliveGuard(c *fiber.Ctx) error {
	err := c.Next()
	req := c.Request()
	if req.IsBodyStream() && req.Header.ContentLength() != 0 {
		c.Context().SetConnectionClose()
	}
	return err
}
