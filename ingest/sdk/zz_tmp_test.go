package sdk

import (
	"encoding/json"
	"testing"
)

func BenchmarkParseOnly(b *testing.B) {
	body := syntheticHeartRateBody(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidOnly(b *testing.B) {
	body := syntheticHeartRateBody(1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		json.Valid(body)
	}
}

type plainRec struct {
	ID, ParentID, Type, StartDate, EndDate, ZoneOffset string
	Source struct{ AppID, Name, BundleIdentifier, Version, ProductType, DeviceID, DeviceName, DeviceManufacturer, DeviceType, DeviceModel, DeviceHardwareVersion, DeviceSoftwareVersion, RecordingMethod string; OperatingSystemVersion struct{ MajorVersion, MinorVersion, PatchVersion float64 } }
	Value float64
	Unit string
	Metadata json.RawMessage
}

func BenchmarkPlain(b *testing.B) {
	body := syntheticHeartRateBody(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v struct{ Provider string; Data struct{ Records []plainRec } }
		json.Unmarshal(body, &v)
	}
}
