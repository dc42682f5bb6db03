// Package fit imports FIT activity files (Garmin, Wahoo, COROS, Suunto, ...;
// open-wearables.md §4.6): each session becomes a Workout with its laps,
// and the per-second records become samples of heart rate, power, cadence,
// speed, elevation, latitude and longitude.
//
// Decoding uses github.com/muktihari/fit (the comparison with
// github.com/tormoder/fit is in the README). Its file checksum covers the
// data records only, which rejects valid files whose header has no CRC of
// its own (every 12-byte header, from the Edge 500 era on); Decode
// therefore turns its check off and verifies each file's CRC the way the
// FIT protocol defines it, over header and data.
//
// The gateway produces an uploaded file untouched as a raw event of
// provider fit (wearables.raw.fit), so the raw topic keeps the file for
// replay; the processor calls Normalize.
package fit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/profile/filedef"
)

// ContentType is the media type of a FIT file.
const ContentType = "application/vnd.ant.fit"

// ErrNotFIT is returned for input that is not a FIT file.
var ErrNotFIT = errors.New("not a FIT file")

// ErrNoActivity is returned for a FIT file that holds no activity (a
// course, a workout plan, settings, ...).
var ErrNoActivity = errors.New("the FIT file holds no activity")

// Decode reads every activity of a FIT file (a file may chain several).
// Files of other types in the chain are skipped; a corrupt file, a wrong
// checksum or a file with no activity at all is an error.
func Decode(b []byte) ([]*filedef.Activity, error) {
	if err := checkCRC(b); err != nil {
		return nil, err
	}
	lis := filedef.NewListener()
	defer lis.Close()
	dec := decoder.New(bytes.NewReader(b),
		decoder.WithMesgListener(lis), decoder.WithBroadcastOnly(), decoder.WithIgnoreChecksum())
	var out []*filedef.Activity
	for dec.Next() {
		if _, err := dec.Decode(); err != nil {
			return nil, fmt.Errorf("cannot decode FIT file: %w", err)
		}
		if a, ok := lis.File().(*filedef.Activity); ok {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoActivity
	}
	return out, nil
}

// checkCRC checks the header and the trailing CRC of each chained file.
func checkCRC(b []byte) error {
	if len(b) == 0 {
		return ErrNotFIT
	}
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 12 || (rest[0] != 12 && rest[0] != 14) || string(rest[8:12]) != ".FIT" {
			if off == 0 {
				return ErrNotFIT
			}
			return fmt.Errorf("cannot decode FIT file: bad header at byte %d", off)
		}
		end := int(rest[0]) + int(binary.LittleEndian.Uint32(rest[4:8]))
		if end < int(rest[0]) || end+2 > len(rest) {
			return fmt.Errorf("cannot decode FIT file: truncated at byte %d (%d bytes expected)", len(b), off+end+2)
		}
		if got, want := crc16(rest[:end]), binary.LittleEndian.Uint16(rest[end:end+2]); got != want {
			return fmt.Errorf("cannot decode FIT file: checksum %#04x, the file says %#04x (corrupt file)", got, want)
		}
		off += end + 2
	}
	return nil
}

var crcTable = [16]uint16{
	0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
	0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
}

// crc16 is the FIT protocol's CRC.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		t := crcTable[crc&0xF]
		crc = (crc >> 4) & 0x0FFF
		crc = crc ^ t ^ crcTable[c&0xF]
		t = crcTable[crc&0xF]
		crc = (crc >> 4) & 0x0FFF
		crc = crc ^ t ^ crcTable[(c>>4)&0xF]
	}
	return crc
}
