package applexml

import (
	"io"
	"strconv"
	"time"
)

// NewSyntheticExport returns an export.xml of the given number of records,
// generated on the fly in constant memory, for load tests and benchmarks:
// heart rate, steps, distance, energy, SpO2 and body mass records from a
// watch and a phone (with their long device strings), a night of sleep
// stages every 1000 records and a workout with statistics every 2000.
func NewSyntheticExport(records int) io.Reader {
	return &synthetic{left: records, t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600))}
}

type synthetic struct {
	left    int
	n       int
	t       time.Time
	buf     []byte
	off     int
	started bool
	done    bool
}

const (
	syntheticHead = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2026-01-14 08:12:45 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-04-12" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
`
	watch = `sourceName="Jane’s Apple Watch" sourceVersion="11.2" device="&lt;&lt;HKDevice: 0x283f1d4a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch7,5, software:11.2, creation date:2026-01-13 21:40:02 +0000&gt;"`
	phone = `sourceName="Jane’s iPhone" sourceVersion="17.2.1" device="&lt;&lt;HKDevice: 0x283f1c2d0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone15,2, software:17.2.1, creation date:2026-01-13 07:05:12 +0000&gt;"`
)

var sleepValues = [...]string{"InBed", "AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "AsleepCore", "Awake"}

func (s *synthetic) Read(p []byte) (int, error) {
	for s.off == len(s.buf) {
		if s.done {
			return 0, io.EOF
		}
		s.buf, s.off = s.buf[:0], 0
		s.fill()
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

// fill appends the next few elements to buf.
func (s *synthetic) fill() {
	if !s.started {
		s.started = true
		s.buf = append(s.buf, syntheticHead...)
		return
	}
	if s.left <= 0 {
		s.buf = append(s.buf, "</HealthData>\n"...)
		s.done = true
		return
	}
	s.n++
	s.t = s.t.Add(37 * time.Second)
	switch {
	case s.n%2000 == 0:
		s.workout()
	case s.n%1000 == 0:
		s.night()
	default:
		s.record()
	}
}

func (s *synthetic) date(t time.Time) {
	s.buf = t.AppendFormat(s.buf, `"`+exportTime+`"`)
}

func (s *synthetic) record() {
	var typ, unit, src string
	var v float64
	switch s.n % 8 {
	case 0, 1, 2:
		typ, unit, src, v = "HeartRate", "count/min", watch, float64(55+s.n%60)
	case 3:
		typ, unit, src, v = "StepCount", "count", phone, float64(10+s.n%900)
	case 4:
		typ, unit, src, v = "DistanceWalkingRunning", "km", phone, float64(s.n%700)/1000
	case 5:
		typ, unit, src, v = "ActiveEnergyBurned", "kcal", watch, float64(s.n%300)/10
	case 6:
		typ, unit, src, v = "OxygenSaturation", "%", watch, 0.9+float64(s.n%10)/100
	default:
		typ, unit, src, v = "BodyMass", "lb", `sourceName="Withings" sourceVersion="6.12.0"`, 150+float64(s.n%20)/10
	}
	s.buf = append(s.buf, ` <Record type="HKQuantityTypeIdentifier`...)
	s.buf = append(s.buf, typ...)
	s.buf = append(s.buf, `" `...)
	s.buf = append(s.buf, src...)
	s.buf = append(s.buf, ` unit="`...)
	s.buf = append(s.buf, unit...)
	s.buf = append(s.buf, `" creationDate=`...)
	s.date(s.t.Add(time.Minute))
	s.buf = append(s.buf, ` startDate=`...)
	s.date(s.t)
	s.buf = append(s.buf, ` endDate=`...)
	s.date(s.t.Add(30 * time.Second))
	s.buf = append(s.buf, ` value="`...)
	s.buf = strconv.AppendFloat(s.buf, v, 'f', -1, 64)
	s.buf = append(s.buf, "\"/>\n"...)
	s.left--
}

// night writes a night of sleep stages (seven records) starting at 23:00
// local time of the current day.
func (s *synthetic) night() {
	y, m, d := s.t.Date()
	start := time.Date(y, m, d, 23, 0, 0, 0, s.t.Location())
	for i, v := range sleepValues {
		if s.left <= 0 {
			return
		}
		from, to := start.Add(time.Duration(i)*time.Hour), start.Add(time.Duration(i+1)*time.Hour)
		if i == 0 {
			to = start.Add(7 * time.Hour)
		}
		s.buf = append(s.buf, ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" `...)
		s.buf = append(s.buf, watch...)
		s.buf = append(s.buf, ` creationDate=`...)
		s.date(to)
		s.buf = append(s.buf, ` startDate=`...)
		s.date(from)
		s.buf = append(s.buf, ` endDate=`...)
		s.date(to)
		s.buf = append(s.buf, ` value="HKCategoryValueSleepAnalysis`...)
		s.buf = append(s.buf, v...)
		s.buf = append(s.buf, "\"/>\n"...)
		s.left--
	}
}

func (s *synthetic) workout() {
	s.buf = append(s.buf, ` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" `...)
	s.buf = append(s.buf, watch...)
	s.buf = append(s.buf, ` startDate=`...)
	s.date(s.t)
	s.buf = append(s.buf, ` endDate=`...)
	s.date(s.t.Add(30 * time.Minute))
	s.buf = append(s.buf, ">\n  <MetadataEntry key=\"HKIndoorWorkout\" value=\"0\"/>\n  <WorkoutStatistics type=\"HKQuantityTypeIdentifierHeartRate\" average=\"150\" minimum=\"95\" maximum=\"178\" unit=\"count/min\"/>\n  <WorkoutStatistics type=\"HKQuantityTypeIdentifierDistanceWalkingRunning\" sum=\"5.1\" unit=\"km\"/>\n </Workout>\n"...)
	s.left--
}
