package applexml

// The chunk format. The gateway cuts an export into chunks and produces
// each as the body of one raw event (provider apple, kind import, content
// type ContentType) on wearables.raw.apple. A chunk is JSON:
//
//	{"format": "apple-health-export/1", "seq": 0,
//	 "sources": [{"name": "Jane’s Apple Watch", "version": "11.2", "device": "<<HKDevice: …>, name:Apple Watch, …>"}],
//	 "records": [{"type": "HKQuantityTypeIdentifierHeartRate", "source": 0, "unit": "count/min",
//	              "start": "2026-01-13 22:40:58 +0100", "end": "2026-01-13 22:40:58 +0100", "value": "58"}],
//	 "workouts": [{"type": "HKWorkoutActivityTypeRunning", "source": 0, "start": "…", "end": "…",
//	               "duration": "41.2", "duration_unit": "min",
//	               "statistics": [{"type": "HKQuantityTypeIdentifierHeartRate", "average": "149.3", "unit": "count/min"}],
//	               "metadata": {"HKWeatherTemperature": "35.6 degF"}}]}
//
// Attribute values are kept exactly as the export wrote them (strings, the
// export's units and dates), so that replaying the raw topic through a
// newer normaliser applies its fixes. Sources are listed once per chunk and
// referenced by index: an export repeats the same long device string on
// every record.

// ContentType is the content type of a raw event whose body is a Chunk.
const ContentType = "application/vnd.wearstream.apple-health-export+json"

// Format names the version of the chunk format.
const Format = "apple-health-export/1"

// Chunk is a run of consecutive records and workouts of one export.
type Chunk struct {
	Format   string    `json:"format"`
	Seq      int       `json:"seq"`
	Sources  []Source  `json:"sources"`
	Records  []Record  `json:"records,omitempty"`
	Workouts []Workout `json:"workouts,omitempty"`
}

// Source is the app and device that wrote a record: the export's
// sourceName, sourceVersion and device attributes.
type Source struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Device  string `json:"device,omitempty"`
}

// Record is one <Record> element.
type Record struct {
	Type   string `json:"type"`
	Source int    `json:"source"`
	Unit   string `json:"unit,omitempty"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Value  string `json:"value"`
}

// Workout is one <Workout> element with its statistics and the metadata
// entries the normaliser reads.
type Workout struct {
	Type              string            `json:"type"`
	Source            int               `json:"source"`
	Start             string            `json:"start"`
	End               string            `json:"end"`
	Duration          string            `json:"duration,omitempty"`
	DurationUnit      string            `json:"duration_unit,omitempty"`
	TotalDistance     string            `json:"total_distance,omitempty"`
	TotalDistanceUnit string            `json:"total_distance_unit,omitempty"`
	TotalEnergy       string            `json:"total_energy,omitempty"`
	TotalEnergyUnit   string            `json:"total_energy_unit,omitempty"`
	Statistics        []Statistic       `json:"statistics,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
}

// Statistic is one <WorkoutStatistics> element of a workout.
type Statistic struct {
	Type    string `json:"type"`
	Sum     string `json:"sum,omitempty"`
	Average string `json:"average,omitempty"`
	Minimum string `json:"minimum,omitempty"`
	Maximum string `json:"maximum,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

// Len is the number of records and workouts in the chunk.
func (c *Chunk) Len() int { return len(c.Records) + len(c.Workouts) }

// workoutMetadata are the workout metadata keys kept in chunks.
var workoutMetadata = map[string]bool{
	"HKElevationAscended":    true,
	"HKWeatherTemperature":   true,
	"HKWeatherHumidity":      true,
	"HKAverageMETs":          true,
	"HKIndoorWorkout":        true,
	"HKTimeZone":             true,
	"HKExternalUUID":         true,
	"HKWorkoutBrandName":     true,
	"HKLapLength":            true,
	"HKSwimmingLocationType": true,
}
