package processors

import (
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

var watch = schemas.Source{Provider: "apple", ID: "apple:watch", Name: "Watch"}

func seg(stage, start, end string) schemas.SleepSegment {
	p := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return schemas.SleepSegment{Stage: stage, Start: p(start), End: p(end)}
}

func upload(n int64, segs ...schemas.SleepSegment) (sdk.SleepMeta, []schemas.SourceSleep) {
	m := sdk.SleepMeta{Tenant: "t", UserID: "u", Provider: "apple", RawEventID: "raw", Version: n, IngestedAt: time.Unix(n, 0)}
	return m, []schemas.SourceSleep{{Source: watch, Segments: segs}}
}

func TestStitchAcrossUploads(t *testing.T) {
	// The first half of a night.
	m, in := upload(1, seg("light", "2026-01-13T23:00:00Z", "2026-01-14T00:30:00Z"), seg("deep", "2026-01-14T00:30:00Z", "2026-01-14T01:00:00Z"))
	emit, st := stitch(nil, m, in)
	if len(emit) != 1 || st == nil || len(st.Sessions) != 1 {
		t.Fatalf("first upload: emit %d, state %+v", len(emit), st)
	}
	night := emit[0].ID

	// The second half, 30 minutes later, in another upload: the same
	// session, longer, same id, higher version.
	m, in = upload(2, seg("rem", "2026-01-14T01:30:00Z", "2026-01-14T02:30:00Z"), seg("light", "2026-01-14T02:30:00Z", "2026-01-14T06:00:00Z"))
	emit, st = stitch(st, m, in)
	if len(emit) != 1 || emit[0].ID != night || emit[0].Version != 2 || emit[0].Deleted {
		t.Fatalf("second upload emitted %+v", emit)
	}
	s := emit[0]
	if !s.StartTime.Equal(seg("", "2026-01-13T23:00:00Z", "2026-01-13T23:00:00Z").Start) || s.EndTime.Sub(s.StartTime) != 7*time.Hour ||
		s.Stages == nil || s.Stages.LightMinutes != 300 || s.Stages.DeepMinutes != 30 || s.Stages.RemMinutes != 60 || s.IsNap {
		t.Fatalf("stitched session %+v stages %+v", s, s.Stages)
	}

	// The same upload again changes nothing and emits nothing.
	if emit, st2 := stitch(st, m, in); len(emit) != 0 || st2 == nil || len(st2.Sessions) != 1 {
		t.Fatalf("a re-delivery emitted %+v", emit)
	}

	// An earlier segment of the same night arriving late keeps the id.
	m, in = upload(3, seg("awake", "2026-01-13T22:40:00Z", "2026-01-13T23:00:00Z"))
	emit, st = stitch(st, m, in)
	if len(emit) != 1 || emit[0].ID != night || emit[0].StartTime.Hour() != 22 {
		t.Fatalf("late earlier segment emitted %+v", emit)
	}

	// More than two hours later: a new session, a nap.
	m, in = upload(4, seg("light", "2026-01-14T13:00:00Z", "2026-01-14T13:40:00Z"))
	emit, st = stitch(st, m, in)
	if len(emit) != 1 || emit[0].ID == night || !emit[0].IsNap || len(st.Sessions) != 2 {
		t.Fatalf("nap: emitted %+v, state sessions %d", emit, len(st.Sessions))
	}

	// A day and a half later the night is closed and leaves the state.
	m, in = upload(5, seg("light", "2026-01-15T23:00:00Z", "2026-01-16T06:00:00Z"))
	emit, st = stitch(st, m, in)
	if len(emit) != 1 || len(st.Sessions) != 1 || st.Sessions[0].ID != emit[0].ID {
		t.Fatalf("old sessions are not closed: %+v", st.Sessions)
	}
	for _, src := range st.Sources {
		for _, sg := range src.Segments {
			if sg.Start.Before(emit[0].StartTime.Add(-sleepGap)) {
				t.Fatalf("segment %+v of a closed session kept", sg)
			}
		}
	}
}

func TestStitchBridgeDeletesTheLaterSession(t *testing.T) {
	m, in := upload(1, seg("light", "2026-01-13T22:00:00Z", "2026-01-13T23:00:00Z"), seg("deep", "2026-01-14T02:00:00Z", "2026-01-14T06:00:00Z"))
	emit, st := stitch(nil, m, in)
	if len(emit) != 2 {
		t.Fatalf("a 3 h gap must split the night: %+v", emit)
	}
	first, second := emit[0].ID, emit[1].ID
	m, in = upload(2, seg("light", "2026-01-13T23:00:00Z", "2026-01-14T02:00:00Z"))
	emit, st = stitch(st, m, in)
	if len(emit) != 2 || len(st.Sessions) != 1 || st.Sessions[0].ID != first {
		t.Fatalf("bridge: emit %+v, state %+v", emit, st.Sessions)
	}
	var merged, deleted bool
	for _, s := range emit {
		merged = merged || (s.ID == first && !s.Deleted && s.EndTime.Sub(s.StartTime) == 8*time.Hour)
		deleted = deleted || (s.ID == second && s.Deleted && s.Version == 2)
	}
	if !merged || !deleted {
		t.Fatalf("want the first id extended and the second deleted: %+v", emit)
	}
}

func TestStitchFoldsWrapperFromAnotherUpload(t *testing.T) {
	phone := schemas.Source{Provider: "apple", ID: "apple:phone"}
	m := sdk.SleepMeta{Tenant: "t", UserID: "u", Provider: "apple", Version: 1}
	emit, st := stitch(nil, m, []schemas.SourceSleep{{Source: phone, Segments: []schemas.SleepSegment{seg("in_bed", "2026-01-13T22:30:00Z", "2026-01-14T06:30:00Z")}}})
	if len(emit) != 1 || emit[0].Source.ID != phone.ID {
		t.Fatalf("phone only: %+v", emit)
	}
	wrapper := emit[0].ID
	m.Version = 2
	emit, _ = stitch(st, m, []schemas.SourceSleep{{Source: watch, Segments: []schemas.SleepSegment{seg("light", "2026-01-13T23:00:00Z", "2026-01-14T06:00:00Z")}}})
	var watchSession, wrapperDeleted bool
	for _, s := range emit {
		watchSession = watchSession || (s.Source.ID == watch.ID && !s.Deleted && s.StartTime.Hour() == 22 && s.StartTime.Minute() == 30)
		wrapperDeleted = wrapperDeleted || (s.ID == wrapper && s.Deleted)
	}
	if !watchSession || !wrapperDeleted {
		t.Fatalf("the phone's time in bed must fold into the watch's night: %+v", emit)
	}
}
