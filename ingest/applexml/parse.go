// Package applexml imports Apple Health exports (the export.zip that the
// Health app writes, or its export.xml; providers.md §10).
//
// The gateway streams the upload through Split, which reads the XML with a
// token-level parser in constant memory whatever the file size and cuts
// its <Record> and <Workout> elements into chunks (chunk.go) produced as raw
// events of provider apple, kind import, content type ContentType. The
// processor hands those raw events to Normalize (registered for that
// content type), which converts each chunk into the mobile SDK's records and
// runs the SDK normaliser: the same metric table, unit conversions, workout
// statistics and sleep sessions as an SDK upload. Open Wearables' XML import
// converts no unit; this one converts by each record's unit attribute.
package applexml

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"
)

// Options configures Split; zero values take the defaults.
type Options struct {
	// ChunkRecords is the most records and workouts in one chunk
	// (default 5000).
	ChunkRecords int
	// ChunkBytes bounds the encoded size of a chunk, roughly (default
	// 768 KiB, under the usual 1 MB Kafka record limit).
	ChunkBytes int
}

// The defaults of Options.
const (
	DefaultChunkRecords = 5000
	DefaultChunkBytes   = 768 << 10
)

// Stats counts what Split read.
type Stats struct {
	// Records and Workouts are the elements put into chunks.
	Records  int64
	Workouts int64
	// Chunks is the number of chunks emitted.
	Chunks int64
	// Other counts the other top-level elements (ActivitySummary,
	// Correlation, ClinicalRecord, ...), which are not imported.
	Other int64
}

// Items is the number of records and workouts read.
func (s Stats) Items() int64 { return s.Records + s.Workouts }

// ErrNotExport is returned when the input is XML but not an Apple Health
// export (its root element is not <HealthData>).
var ErrNotExport = errors.New("not an Apple Health export: the root element is not <HealthData>")

// sleepType is the record type of sleep stages.
const sleepType = "HKCategoryTypeIdentifierSleepAnalysis"

// sleepGap is the gap between sleep records at which a sleep chunk may be
// cut: the SDK normaliser's session gap, so that no night is split across
// two chunks (and so two raw events).
const sleepGap = 2 * time.Hour

// exportTime is the layout of the export's dates.
const exportTime = "2006-01-02 15:04:05 -0700"

// Split reads an export.xml from r and calls emit with each chunk, encoded,
// and the number of records and workouts in it, in order. It keeps at most
// two chunks in memory (records, and sleep records, which are cut only
// between nights). An error from emit stops Split and is returned as is;
// a parse error is returned after the chunks before it were emitted.
func Split(r io.Reader, opts Options, emit func(body []byte, items int) error) (Stats, error) {
	if opts.ChunkRecords <= 0 {
		opts.ChunkRecords = DefaultChunkRecords
	}
	if opts.ChunkBytes <= 0 {
		opts.ChunkBytes = DefaultChunkBytes
	}
	s := &splitter{opts: opts, emit: emit}
	s.main.reset()
	s.sleep.reset()
	err := s.run(r)
	if err == nil {
		err = s.flush(&s.main)
	}
	if err == nil {
		err = s.flush(&s.sleep)
	}
	return s.stats, err
}

// builder accumulates one chunk.
type builder struct {
	chunk   Chunk
	sources map[Source]int
	bytes   int
}

func (b *builder) reset() {
	b.chunk.Sources = b.chunk.Sources[:0]
	b.chunk.Records = b.chunk.Records[:0]
	b.chunk.Workouts = b.chunk.Workouts[:0]
	if b.sources == nil {
		b.sources = map[Source]int{}
	}
	clear(b.sources)
	b.bytes = 64
}

func (b *builder) source(s Source) int {
	i, ok := b.sources[s]
	if !ok {
		i = len(b.chunk.Sources)
		b.sources[s] = i
		b.chunk.Sources = append(b.chunk.Sources, s)
		b.bytes += len(s.Name) + len(s.Version) + len(s.Device) + 40
	}
	return i
}

type splitter struct {
	opts  Options
	emit  func([]byte, int) error
	stats Stats
	seq   int

	main  builder
	sleep builder
	// sleepEnd is the latest end of the pending sleep records; sleepFull
	// says the sleep chunk should be cut at the next gap.
	sleepEnd  time.Time
	sleepFull bool

	root          bool   // <HealthData> was seen
	pendingSource Source // the source of the workout being read
}

func (s *splitter) full(b *builder) bool {
	return b.chunk.Len() >= s.opts.ChunkRecords || b.bytes >= s.opts.ChunkBytes
}

func (s *splitter) flush(b *builder) error {
	n := b.chunk.Len()
	if n == 0 {
		return nil
	}
	b.chunk.Format = Format
	b.chunk.Seq = s.seq
	body, err := json.Marshal(&b.chunk)
	if err != nil {
		return fmt.Errorf("cannot encode export chunk: %w", err)
	}
	s.seq++
	s.stats.Chunks++
	b.reset()
	return s.emit(body, n)
}

func (s *splitter) run(r io.Reader) error {
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 256<<10)
	}
	d := xml.NewDecoder(r)
	depth := 0
	var w *Workout // the workout being read, at depth 2
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return fmt.Errorf("cannot parse export: it ends inside an element at line %d (truncated file?)", line(d))
			}
			if !s.root {
				return ErrNotExport
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot parse export at line %d: %w", line(d), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "HealthData" {
					return ErrNotExport
				}
				s.root = true
			case depth == 2:
				switch t.Name.Local {
				case "Record":
					if err := s.record(t.Attr); err != nil {
						return err
					}
				case "Workout":
					w = s.startWorkout(t.Attr)
				case "ExportDate", "Me":
				default:
					s.stats.Other++
				}
			case depth == 3 && w != nil:
				switch t.Name.Local {
				case "WorkoutStatistics":
					w.Statistics = append(w.Statistics, statistic(t.Attr))
				case "MetadataEntry":
					key, value := metadataEntry(t.Attr)
					if workoutMetadata[key] {
						if w.Metadata == nil {
							w.Metadata = map[string]string{}
						}
						w.Metadata[key] = value
					}
				}
			}
		case xml.EndElement:
			if depth == 2 && w != nil {
				if err := s.endWorkout(w); err != nil {
					return err
				}
				w = nil
			}
			depth--
			if depth < 0 {
				return fmt.Errorf("cannot parse export at line %d: unexpected </%s>", line(d), t.Name.Local)
			}
		}
	}
}

func line(d *xml.Decoder) int {
	l, _ := d.InputPos()
	return l
}

// record adds one <Record>.
func (s *splitter) record(attrs []xml.Attr) error {
	var rec Record
	var src Source
	for _, a := range attrs {
		switch a.Name.Local {
		case "type":
			rec.Type = a.Value
		case "sourceName":
			src.Name = a.Value
		case "sourceVersion":
			src.Version = a.Value
		case "device":
			src.Device = a.Value
		case "unit":
			rec.Unit = a.Value
		case "startDate":
			rec.Start = a.Value
		case "endDate":
			rec.End = a.Value
		case "value":
			rec.Value = a.Value
		}
	}
	s.stats.Records++
	size := len(rec.Type) + len(rec.Unit) + len(rec.Start) + len(rec.End) + len(rec.Value) + 70
	if rec.Type == sleepType {
		return s.sleepRecord(rec, src, size)
	}
	b := &s.main
	rec.Source = b.source(src)
	b.chunk.Records = append(b.chunk.Records, rec)
	b.bytes += size
	if s.full(b) {
		return s.flush(b)
	}
	return nil
}

// sleepRecord adds a sleep stage to the sleep chunk, first cutting that
// chunk when it is full and this record starts a new night.
func (s *splitter) sleepRecord(rec Record, src Source, size int) error {
	b := &s.sleep
	start, err1 := time.Parse(exportTime, rec.Start)
	end, err2 := time.Parse(exportTime, rec.End)
	if s.sleepFull && (err1 != nil || start.Sub(s.sleepEnd) > sleepGap || b.chunk.Len() >= 4*s.opts.ChunkRecords) {
		if err := s.flush(b); err != nil {
			return err
		}
		s.sleepFull = false
		s.sleepEnd = time.Time{}
	}
	rec.Source = b.source(src)
	b.chunk.Records = append(b.chunk.Records, rec)
	b.bytes += size
	if err2 == nil && end.After(s.sleepEnd) {
		s.sleepEnd = end
	}
	if s.full(b) {
		s.sleepFull = true
	}
	return nil
}

func (s *splitter) startWorkout(attrs []xml.Attr) *Workout {
	w := &Workout{Source: -1}
	var src Source
	for _, a := range attrs {
		switch a.Name.Local {
		case "workoutActivityType":
			w.Type = a.Value
		case "sourceName":
			src.Name = a.Value
		case "sourceVersion":
			src.Version = a.Value
		case "device":
			src.Device = a.Value
		case "startDate":
			w.Start = a.Value
		case "endDate":
			w.End = a.Value
		case "duration":
			w.Duration = a.Value
		case "durationUnit":
			w.DurationUnit = a.Value
		case "totalDistance":
			w.TotalDistance = a.Value
		case "totalDistanceUnit":
			w.TotalDistanceUnit = a.Value
		case "totalEnergyBurned":
			w.TotalEnergy = a.Value
		case "totalEnergyBurnedUnit":
			w.TotalEnergyUnit = a.Value
		}
	}
	s.pendingSource = src
	return w
}

func (s *splitter) endWorkout(w *Workout) error {
	b := &s.main
	w.Source = b.source(s.pendingSource)
	b.chunk.Workouts = append(b.chunk.Workouts, *w)
	b.bytes += 300 + 120*len(w.Statistics)
	s.stats.Workouts++
	if s.full(b) {
		return s.flush(b)
	}
	return nil
}

func statistic(attrs []xml.Attr) Statistic {
	var st Statistic
	for _, a := range attrs {
		switch a.Name.Local {
		case "type":
			st.Type = a.Value
		case "sum":
			st.Sum = a.Value
		case "average":
			st.Average = a.Value
		case "minimum":
			st.Minimum = a.Value
		case "maximum":
			st.Maximum = a.Value
		case "unit":
			st.Unit = a.Value
		}
	}
	return st
}

func metadataEntry(attrs []xml.Attr) (key, value string) {
	for _, a := range attrs {
		switch a.Name.Local {
		case "key":
			key = a.Value
		case "value":
			value = a.Value
		}
	}
	return key, value
}
