package ingest

import "time"

// Normalizing is what a provider's normaliser keeps while it turns one body
// into records: the raw event's context, the version and ingestion time
// every record of the body gets (the receive time), the records so far and
// the samples being batched. Normalisers embed it.
type Normalizing struct {
	Ctx      Context
	Version  int64
	Ingested time.Time
	Out      Records
	Samples  *SampleBatches
}

// NewNormalizing starts normalising one body of provider's.
func NewNormalizing(ctx Context, provider string) Normalizing {
	return Normalizing{
		Ctx: ctx, Version: ctx.ReceivedAt.UnixMilli(), Ingested: ctx.ReceivedAt.UTC(),
		Samples: NewSampleBatches(ctx, provider, SumSeries),
	}
}

// Finish batches the samples into Out, drops records repeated by id and
// returns the records.
func (n *Normalizing) Finish() Records {
	n.Samples.Finish(&n.Out)
	n.Out.DedupeByID()
	return n.Out
}
