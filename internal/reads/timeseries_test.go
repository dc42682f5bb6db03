package reads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// line is a point written down for comparison: type, time, offset, value,
// source and sample count.
func line(p Point) string {
	return fmt.Sprintf("%s %s %+d %g %s n=%d", p.Type, p.Time.UTC().Format(time.RFC3339Nano), p.ZoneOffset, p.Value, p.Source.ID, p.Samples)
}

func lines(ps []Point) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, line(p))
	}
	return out
}

func (f *fixture) series(q TimeseriesQuery) Page[Point] {
	f.t.Helper()
	if q.Tenant == "" {
		q.Tenant, q.UserID = tenant, user
	}
	pg, err := f.reader.Timeseries(context.Background(), q)
	if err != nil {
		f.t.Fatalf("Timeseries(%+v): %v", q, err)
	}
	return pg
}

func wantLines(t *testing.T, got []Point, want ...string) {
	t.Helper()
	if g := lines(got); !slices.Equal(g, want) {
		t.Fatalf("points:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestTimeseriesLocalDays: a day is the user's local day from each sample's
// own offset, across midnight at -05:00 and across both daylight-saving
// changes of New York, never the UTC day.
func TestTimeseriesLocalDays(t *testing.T) {
	f := newFixture(t)
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{
		batch(user, "steps", "garmin", "garmin:watch",
			at("2026-01-14T10:00:00-05:00", 10),
			at("2026-01-14T23:30:00-05:00", 100), // 04:30Z on the 15th: still the 14th locally
			at("2026-01-15T00:30:00-05:00", 50),
		),
		// Spring forward on 8 March: the day starts at -05:00 and ends at -04:00.
		batch(user, "heart_rate", "garmin", "garmin:watch",
			at("2026-03-08T00:30:00-05:00", 60),
			at("2026-03-08T23:30:00-04:00", 80),
			at("2026-03-09T00:10:00-04:00", 100),
			// Fall back on 1 November: 01:30 happens twice, an hour apart.
			at("2026-11-01T01:30:00-04:00", 70),
			at("2026-11-01T01:40:00-04:00", 72),
			at("2026-11-01T01:30:00-05:00", 90),
		),
	}})

	pg := f.series(TimeseriesQuery{Start: mustTime("2026-01-14T00:00:00-05:00"), End: mustTime("2026-01-16T00:00:00-05:00"),
		Types: []string{"steps"}, Resolution: OneDay})
	wantLines(t, pg.Items,
		"steps 2026-01-14T05:00:00Z -300 110 garmin:watch n=2",
		"steps 2026-01-15T05:00:00Z -300 50 garmin:watch n=1",
	)
	if pg.Total != 2 || pg.Next != "" || pg.Previous != "" {
		t.Fatalf("total %d, next %q, previous %q; want 2 and no cursors", pg.Total, pg.Next, pg.Previous)
	}

	pg = f.series(TimeseriesQuery{Start: mustTime("2026-03-08T00:00:00-05:00"), End: mustTime("2026-03-10T00:00:00-04:00"),
		Types: []string{"heart_rate"}, Resolution: OneDay})
	wantLines(t, pg.Items,
		"heart_rate 2026-03-08T05:00:00Z -300 70 garmin:watch n=2",
		"heart_rate 2026-03-09T04:00:00Z -240 100 garmin:watch n=1",
	)

	pg = f.series(TimeseriesQuery{Start: mustTime("2026-11-01T00:00:00-04:00"), End: mustTime("2026-11-02T00:00:00-05:00"),
		Types: []string{"heart_rate"}, Resolution: OneHour})
	wantLines(t, pg.Items,
		"heart_rate 2026-11-01T05:00:00Z -240 71 garmin:watch n=2",
		"heart_rate 2026-11-01T06:00:00Z -300 90 garmin:watch n=1",
	)
	pg = f.series(TimeseriesQuery{Start: mustTime("2026-11-01T00:00:00-04:00"), End: mustTime("2026-11-02T00:00:00-05:00"),
		Types: []string{"heart_rate"}, Resolution: OneDay})
	wantLines(t, pg.Items, "heart_rate 2026-11-01T04:00:00Z -240 77.33333333333333 garmin:watch n=3")
}

// TestTimeseriesAggregationPerSeries: a bucket's value is the catalog's
// aggregation of its series (mean heart rate, summed steps, the latest
// weight), one item per bucket and source, and a half-hour offset cuts
// buckets on the local clock.
func TestTimeseriesAggregationPerSeries(t *testing.T) {
	f := newFixture(t)
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{
		batch(user, "heart_rate", "garmin", "garmin:watch", at("2026-02-01T08:01:00Z", 60), at("2026-02-01T08:20:00Z", 70), at("2026-02-01T08:59:59.500Z", 95)),
		batch(user, "heart_rate", "apple", "apple:phone", at("2026-02-01T08:30:00Z", 50)),
		batch(user, "steps", "garmin", "garmin:watch", at("2026-02-01T08:05:00Z", 300), at("2026-02-01T08:10:00Z", 200), at("2026-02-01T09:10:00Z", 7)),
		batch(user, "weight", "withings", "withings:scale", at("2026-02-01T08:40:00Z", 80.5), at("2026-02-01T08:10:00Z", 81.5)),
		batch(user, "skin_temperature", "oura", "oura:ring", at("2026-02-01T08:10:00+05:30", 33), at("2026-02-01T08:50:00+05:30", 34)),
	}})
	q := TimeseriesQuery{Start: mustTime("2026-02-01T00:00:00Z"), End: mustTime("2026-02-02T00:00:00Z"), Resolution: OneHour}
	pg := f.series(q)
	wantLines(t, pg.Items,
		"heart_rate 2026-02-01T08:00:00Z +0 50 apple:phone n=1",
		"heart_rate 2026-02-01T08:00:00Z +0 75 garmin:watch n=3",
		"skin_temperature 2026-02-01T02:30:00Z +330 33.5 oura:ring n=2",
		"steps 2026-02-01T08:00:00Z +0 500 garmin:watch n=2",
		"steps 2026-02-01T09:00:00Z +0 7 garmin:watch n=1",
		"weight 2026-02-01T08:00:00Z +0 80.5 withings:scale n=2",
	)
	aggs := map[string]schemas.Aggregation{}
	for _, p := range pg.Items {
		aggs[p.Type] = p.Aggregation
	}
	if aggs["heart_rate"] != schemas.AggAvg || aggs["steps"] != schemas.AggSum || aggs["weight"] != schemas.AggLast {
		t.Fatalf("aggregations = %v", aggs)
	}

	// Raw: every sample, in the sort key's order, milliseconds kept; the
	// range is half-open to the millisecond.
	q = TimeseriesQuery{Start: mustTime("2026-02-01T08:01:00Z"), End: mustTime("2026-02-01T08:59:59.500Z"), Types: []string{"heart_rate"}}
	wantLines(t, f.series(q).Items,
		"heart_rate 2026-02-01T08:01:00Z +0 60 garmin:watch n=1",
		"heart_rate 2026-02-01T08:20:00Z +0 70 garmin:watch n=1",
		"heart_rate 2026-02-01T08:30:00Z +0 50 apple:phone n=1",
	)
	q.End = mustTime("2026-02-01T08:59:59.501Z")
	if got := f.series(q).Items; len(got) != 4 || got[3].Time != mustTime("2026-02-01T08:59:59.500Z") {
		t.Fatalf("the sample at .500 is missing: %v", lines(got))
	}
}

// TestTimeseriesCursorRoundTrip walks every resolution page by page, forward
// and back: no item is lost or repeated, and a sample deleted meanwhile is
// gone.
func TestTimeseriesCursorRoundTrip(t *testing.T) {
	f := newFixture(t)
	var hr, hr2, steps []schemas.Sample
	base := mustTime("2026-05-01T22:00:00-05:00")
	for i := range 300 {
		ts := base.Add(time.Duration(i) * 37 * time.Second)
		hr = append(hr, schemas.Sample{Time: ts.UTC(), Value: float64(60 + i%50), ZoneOffset: -300})
		if i%3 == 0 {
			hr2 = append(hr2, schemas.Sample{Time: ts.UTC(), Value: float64(70 + i%7), ZoneOffset: -300})
			steps = append(steps, schemas.Sample{Time: ts.UTC(), Value: float64(i), ZoneOffset: -300})
		}
	}
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{
		batch(user, "heart_rate", "garmin", "garmin:watch", hr...),
		batch(user, "heart_rate", "apple", "apple:watch", hr2...),
		batch(user, "steps", "garmin", "garmin:watch", steps...),
	}})
	for _, res := range []Resolution{Raw, OneMinute, FiveMin, Quarter, OneHour, OneDay} {
		q := TimeseriesQuery{Start: base, End: base.Add(24 * time.Hour), Resolution: res, Limit: MaxLimit}
		all := f.series(q)
		if all.Next != "" || uint64(len(all.Items)) != all.Total || len(all.Items) == 0 {
			t.Fatalf("%s: one big page has %d items of %d, next %q", res, len(all.Items), all.Total, all.Next)
		}
		q.Limit = 7
		var walked []Point
		var pages []Page[Point]
		for {
			pg := f.series(q)
			if pg.Total != all.Total {
				t.Fatalf("%s: total %d on a later page, want %d", res, pg.Total, all.Total)
			}
			walked = append(walked, pg.Items...)
			pages = append(pages, pg)
			if pg.Next == "" {
				break
			}
			q.Cursor = pg.Next
		}
		if !slices.Equal(lines(walked), lines(all.Items)) {
			t.Fatalf("%s: pages of 7 give %d items, one page %d; they differ", res, len(walked), len(all.Items))
		}
		if len(pages) > 1 && pages[0].Previous != "" {
			t.Fatalf("%s: the first page has a previous cursor", res)
		}
		// Back from the last page: each previous page is the page walked before it.
		for i := len(pages) - 1; i > 0; i-- {
			q.Cursor = pages[i].Previous
			back := f.series(q)
			if !slices.Equal(lines(back.Items), lines(pages[i-1].Items)) {
				t.Fatalf("%s: page %d read backwards = %v, want %v", res, i-1, lines(back.Items), lines(pages[i-1].Items))
			}
			if (i-1 == 0) != (back.Previous == "") || back.Next == "" {
				t.Fatalf("%s: page %d read backwards has previous %q, next %q", res, i-1, back.Previous, back.Next)
			}
		}
	}

	// A deletion between two pages: the next page simply lacks the sample.
	q := TimeseriesQuery{Start: base, End: base.Add(24 * time.Hour), Types: []string{"steps"}, Limit: 10}
	first := f.series(q)
	del := batch(user, "steps", "garmin", "garmin:watch", steps[10])
	del.Samples, del.Version = nil, 2
	del.Deletion = &schemas.SampleDeletion{Start: steps[10].Time, End: steps[10].Time.Add(time.Second)}
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{del}})
	q.Cursor = first.Next
	next := f.series(q)
	if next.Items[0].Time != steps[11].Time || next.Total != uint64(len(steps)-1) {
		t.Fatalf("after deleting sample 10 the next page starts at %v (total %d), want sample 11 at %v", next.Items[0].Time, next.Total, steps[11].Time)
	}
}

// TestTimeseriesBadParameters: every parameter that cannot be answered is
// a ParamError naming it, and a cursor only works for its own user and
// filters.
func TestTimeseriesBadParameters(t *testing.T) {
	f := newFixture(t)
	other := schemas.NameID(tenant, "user-2")
	var samples []schemas.Sample
	for i := range 5 {
		samples = append(samples, at(fmt.Sprintf("2026-02-01T08:0%d:00Z", i), 60))
	}
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{batch(user, "heart_rate", "garmin", "garmin:watch", samples...),
		batch(other, "heart_rate", "garmin", "garmin:watch", samples...)}})
	good := TimeseriesQuery{Tenant: tenant, UserID: user, Start: mustTime("2026-02-01T00:00:00Z"), End: mustTime("2026-02-02T00:00:00Z"), Limit: 2}
	cur := f.series(good).Next

	check := func(param string, edit func(q *TimeseriesQuery)) {
		t.Helper()
		q := good
		edit(&q)
		_, err := f.reader.Timeseries(context.Background(), q)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != param {
			t.Fatalf("error = %v, want a ParamError for %s", err, param)
		}
	}
	check("types", func(q *TimeseriesQuery) { q.Types = []string{"heart_rate", "heartrate"} })
	check("end_time", func(q *TimeseriesQuery) { q.End = q.Start.Add(-time.Second) })
	check("end_time", func(q *TimeseriesQuery) { q.End = q.Start })
	check("start_time", func(q *TimeseriesQuery) { q.Start = time.Time{} })
	check("resolution", func(q *TimeseriesQuery) { q.Resolution = "2min" })
	check("limit", func(q *TimeseriesQuery) { q.Limit = MaxLimit + 1 })
	check("limit", func(q *TimeseriesQuery) { q.Limit = -1 })
	check("cursor", func(q *TimeseriesQuery) { q.Cursor = "not-a-cursor!" })
	check("cursor", func(q *TimeseriesQuery) { q.Cursor = "eyJ4IjoxfQ" }) // {"x":1}
	check("cursor", func(q *TimeseriesQuery) { q.UserID, q.Cursor = other, cur })
	check("cursor", func(q *TimeseriesQuery) { q.Types, q.Cursor = []string{"heart_rate"}, cur })
	check("cursor", func(q *TimeseriesQuery) { q.Resolution, q.Cursor = OneHour, cur })
	check("cursor", func(q *TimeseriesQuery) { q.End, q.Cursor = q.End.Add(time.Hour), cur })

	// The same query with another page size keeps its cursors.
	q := good
	q.Cursor, q.Limit = cur, 100
	if pg := f.series(q); len(pg.Items) != 3 {
		t.Fatalf("after the first 2 of 5 samples, %d remain, want 3", len(pg.Items))
	}
}
