package processors

// Sample records are bounded. A normaliser gathers all samples of one body
// and series into one SampleBatch, however many there are (a FIT file of an
// 8-hour ride has 30,000 per series, an SDK upload can hold 100,000). The
// processor cuts each batch into records of at most maxSamplesPerRecord
// samples and maxSampleRecordBytes encoded, far under the max.message.bytes
// of wearables.samples, so that Kafka accepts every record whatever the size
// of the input. Each part after the first gets its own id (a name-based
// UUID over the batch id and the index of its first sample), so parts stay
// deterministic and their webhook events have distinct webhook-ids.

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// maxSamplesPerRecord bounds the samples of one SampleBatch record: two
// webhook messages' worth (a sample encodes to 20-30 bytes).
const maxSamplesPerRecord = 5000

// maxSampleRecordBytes bounds one encoded SampleBatch record; a part that
// encodes larger (long source names, say) is halved until it fits.
const maxSampleRecordBytes = 256 << 10

// sampleRecords encodes a batch as one or more records on topic.
func (p *Processor) sampleRecords(topic string, b schemas.SampleBatch) ([]*kgo.Record, error) {
	var out []*kgo.Record
	var add func(part schemas.SampleBatch, first int) error
	add = func(part schemas.SampleBatch, first int) error {
		if first > 0 {
			part.ID = schemas.NameID(b.ID, "samples", strconv.Itoa(first))
		}
		value, err := p.cfg.Serde.Encode(part)
		if err != nil {
			return err
		}
		if n := len(part.Samples); len(value) > maxSampleRecordBytes && n > 1 {
			lo, hi := part, part
			lo.Samples, hi.Samples = part.Samples[:n/2], part.Samples[n/2:]
			lo.ID, hi.ID = b.ID, b.ID
			if err := add(lo, first); err != nil {
				return err
			}
			return add(hi, first+n/2)
		}
		out = append(out, &kgo.Record{Topic: topic, Key: []byte(b.UserID), Value: value})
		return nil
	}
	if len(b.Samples) <= maxSamplesPerRecord {
		return out, add(b, 0)
	}
	for first := 0; first < len(b.Samples); first += maxSamplesPerRecord {
		part := b
		part.Samples = b.Samples[first:min(first+maxSamplesPerRecord, len(b.Samples))]
		if err := add(part, first); err != nil {
			return nil, err
		}
	}
	return out, nil
}
