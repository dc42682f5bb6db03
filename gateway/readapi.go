package gateway

// The read API: Open Wearables' data-reading routes (/timeseries,
// /events/*), answered from ClickHouse by the read side's queries
// (internal/reads). Handlers here only parse parameters and write JSON in
// Open Wearables' shapes: cursor pages {data, pagination{next_cursor,
// previous_cursor, has_more, total_count}, metadata}. A parameter that
// cannot be answered is a 400 naming it; another tenant's user is a 404.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/reads"
)

type pagination struct {
	NextCursor     *string `json:"next_cursor"`
	PreviousCursor *string `json:"previous_cursor"`
	HasMore        bool    `json:"has_more"`
	TotalCount     uint64  `json:"total_count"`
}

type pageMetadata struct {
	Resolution  *string    `json:"resolution"`
	SampleCount int        `json:"sample_count"`
	StartTime   *time.Time `json:"start_time"`
	EndTime     *time.Time `json:"end_time"`
}

type cursorPage[T any] struct {
	Data       []T          `json:"data"`
	Pagination pagination   `json:"pagination"`
	Metadata   pageMetadata `json:"metadata"`
}

func newCursorPage[T, I any](pg reads.Page[I], item func(I) T, meta pageMetadata) cursorPage[T] {
	out := cursorPage[T]{Data: make([]T, 0, len(pg.Items)), Metadata: meta}
	for _, it := range pg.Items {
		out.Data = append(out.Data, item(it))
	}
	out.Pagination = pagination{NextCursor: optString(pg.Next), PreviousCursor: optString(pg.Previous),
		HasMore: pg.Next != "", TotalCount: pg.Total}
	out.Metadata.SampleCount = len(out.Data)
	return out
}

// sourceResponse is Open Wearables' SourceMetadata, plus source_id, the
// stable identity items are grouped by.
type sourceResponse struct {
	Provider   string  `json:"provider"`
	Source     *string `json:"source"`
	SourceID   *string `json:"source_id"`
	Device     *string `json:"device"`
	DeviceType *string `json:"device_type"`
	DeviceName *string `json:"device_name"`
}

func sourceJSON(s reads.Source) sourceResponse {
	return sourceResponse{Provider: s.Provider, Source: optString(s.Name), SourceID: optString(s.ID),
		Device: optString(s.Device), DeviceType: optString(s.DeviceType)}
}

type pointResponse struct {
	Timestamp    time.Time      `json:"timestamp"`
	ZoneOffset   string         `json:"zone_offset"`
	Type         string         `json:"type"`
	Value        float64        `json:"value"`
	Unit         string         `json:"unit"`
	Source       sourceResponse `json:"source"`
	IsDailyTotal *bool          `json:"is_daily_total"`
}

// timeseries answers GET /users/{user_id}/timeseries.
func (g *Gateway) timeseries(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	q := reads.TimeseriesQuery{Tenant: u.Tenant, UserID: u.ID, Types: queryList(c, "types"), Cursor: c.Query("cursor")}
	if q.Start, err = queryTime(c, "start_time", true); err != nil {
		return err
	}
	if q.End, err = queryTime(c, "end_time", true); err != nil {
		return err
	}
	if q.Resolution, err = reads.ParseResolution(c.Query("resolution")); err != nil {
		return readError(err)
	}
	if q.Limit, err = queryInt(c, "limit", reads.DefaultLimit, 1, reads.MaxLimit); err != nil {
		return err
	}
	pg, err := g.reads.Timeseries(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	res := string(q.Resolution)
	return c.JSON(newCursorPage(pg, func(p reads.Point) pointResponse {
		return pointResponse{Timestamp: p.Time, ZoneOffset: zoneOffset(p.ZoneOffset), Type: p.Type, Value: p.Value,
			Unit: p.Unit, Source: sourceJSON(p.Source), IsDailyTotal: p.IsDailyTotal}
	}, pageMetadata{Resolution: &res, StartTime: &q.Start, EndTime: &q.End}))
}

// readUser is the path's user, when the read API is configured.
func (g *Gateway) readUser(c *fiber.Ctx) (userRef, error) {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return userRef{}, err
	}
	if g.reads == nil {
		return userRef{}, newError(http.StatusServiceUnavailable, "unavailable", "the read API is not configured (CLICKHOUSE_ADDR)")
	}
	return userRef{Tenant: u.Tenant, ID: u.ID}, nil
}

type userRef struct{ Tenant, ID string }

// readError turns a parameter the read side refused into a 400 naming it.
func readError(err error) error {
	var pe *reads.ParamError
	if errors.As(err, &pe) {
		return badRequest("invalid_query", pe.Error())
	}
	return err
}

// readFailure answers a failed read: a refused parameter is a 400, a
// failure of ClickHouse is logged and answered 503 without its detail.
func (g *Gateway) readFailure(c *fiber.Ctx, err error) error {
	var pe *reads.ParamError
	if errors.As(err, &pe) {
		return readError(err)
	}
	g.env.Logger.Error("read failed", "path", c.Path(), "err", err)
	return unavailable("cannot read the data now; try again")
}

// queryTime reads an RFC 3339 time parameter.
func queryTime(c *fiber.Ctx, name string, required bool) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		if required {
			return time.Time{}, badRequest("invalid_query", name+": required, an RFC 3339 time such as 2026-01-14T00:00:00-05:00")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badRequest("invalid_query", name+": must be an RFC 3339 time such as 2026-01-14T00:00:00-05:00")
	}
	return t, nil
}

// queryList reads a repeated parameter (name=a&name=b, name[]=a, or
// name=a,b).
func queryList(c *fiber.Ctx, name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range c.Context().QueryArgs().PeekMulti(key) {
			for _, s := range strings.Split(string(v), ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// zoneOffset writes minutes east of UTC as Open Wearables does: "-05:00".
func zoneOffset(minutes int32) string {
	sign := "+"
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	return fmt.Sprintf("%s%02d:%02d", sign, minutes/60, minutes%60)
}
