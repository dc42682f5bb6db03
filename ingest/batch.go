package ingest

// Sample batches. A normaliser gathers the samples of one body into one
// batch per (source, series type). A sample's identity is user, source,
// series type and time, so a batch keeps the last of the samples that
// share a timestamp; its id is a name-based UUID over tenant, user,
// provider, source, series type and raw event, so normalising the same
// raw event again yields the same batches.

import (
	"slices"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// DailyTotals says which samples of a batch carry IsDailyTotal.
type DailyTotals int

const (
	// SumSeries marks the samples of sum series and leaves the others nil.
	SumSeries DailyTotals = iota
	// EverySeries marks the samples of every series.
	EverySeries
)

// SampleBatches builds the sample batches of one raw event.
type SampleBatches struct {
	ctx      Context
	provider string
	marks    DailyTotals
	version  int64
	ingested time.Time

	index   map[batchKey]int
	batches []schemas.SampleBatch
	flags   []dailyFlags // per batch
}

type batchKey struct {
	source string
	series string
}

// dailyFlags are the IsDailyTotal values that the samples of one batch
// share, made when first needed.
type dailyFlags struct {
	marked         bool
	daily, partial *bool
}

// NewSampleBatches starts the batches of the raw event ctx of provider;
// its receive time is their version and ingestion time.
func NewSampleBatches(ctx Context, provider string, marks DailyTotals) *SampleBatches {
	return &SampleBatches{
		ctx:      ctx,
		provider: provider,
		marks:    marks,
		version:  ctx.ReceivedAt.UnixMilli(),
		ingested: ctx.ReceivedAt.UTC(),
		index:    map[batchKey]int{},
	}
}

// Add adds one sample of series to the batch of src and series, starting
// the batch with src and the catalog's unit. daily marks a whole-day total.
// It returns the batch, whose descriptive source fields the caller may
// complete. A series type that is not in the catalog panics.
func (s *SampleBatches) Add(src schemas.Source, series string, at time.Time, v float64, zone int32, daily bool) *schemas.SampleBatch {
	k := batchKey{source: src.ID, series: series}
	i, ok := s.index[k]
	if !ok {
		st, known := schemas.LookupSeriesType(series)
		if !known {
			panic(s.provider + ": series type " + series + " is not in the catalog")
		}
		i = len(s.batches)
		s.index[k] = i
		s.batches = append(s.batches, schemas.SampleBatch{
			Tenant:     s.ctx.Tenant,
			UserID:     s.ctx.UserID,
			Source:     src,
			SeriesType: series,
			Unit:       st.Unit,
			Version:    s.version,
			RawEventID: s.ctx.RawEventID,
			IngestedAt: s.ingested,
		})
		s.flags = append(s.flags, dailyFlags{marked: s.marks == EverySeries || st.Aggregation == schemas.AggSum})
	}
	b := &s.batches[i]
	b.Samples = append(b.Samples, schemas.Sample{Time: at, Value: v, ZoneOffset: zone, IsDailyTotal: s.flags[i].flag(daily)})
	return b
}

// flag is the shared IsDailyTotal of a batch's daily or other samples.
func (f *dailyFlags) flag(daily bool) *bool {
	if !f.marked {
		return nil
	}
	p := &f.partial
	if daily {
		p = &f.daily
	}
	if *p == nil {
		v := daily
		*p = &v
	}
	return *p
}

// Finish orders each batch by time, keeps the last of the samples that
// share a timestamp (counting the others in out as "duplicate sample"),
// gives each batch its id and appends the batches to out.Samples.
func (s *SampleBatches) Finish(out *Records) {
	for i := range s.batches {
		b := &s.batches[i]
		slices.SortStableFunc(b.Samples, func(x, y schemas.Sample) int { return x.Time.Compare(y.Time) })
		kept := b.Samples[:0]
		for _, smp := range b.Samples {
			if k := len(kept); k > 0 && kept[k-1].Time.Equal(smp.Time) {
				out.Skip("duplicate sample")
				kept[k-1] = smp
				continue
			}
			kept = append(kept, smp)
		}
		b.Samples = kept
		b.ID = schemas.NameID(s.ctx.Tenant, s.ctx.UserID, s.provider, "samples", b.Source.ID, b.SeriesType, s.ctx.RawEventID)
	}
	out.Samples = append(out.Samples, s.batches...)
}
