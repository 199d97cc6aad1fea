package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// responseFixture is one DataResponse written as an Arrow-lines file (.txt), a JSON file (.jsonc), or both.
type responseFixture struct {
	arrowFile string
	jsonFile  string
	response  *backend.DataResponse
}

func okResponse(frames ...*data.Frame) *backend.DataResponse {
	return &backend.DataResponse{Status: backend.StatusOK, Frames: frames}
}

func percentFrame(meta *data.FrameMeta) *data.Frame {
	f := data.NewFrame("Frame One",
		data.NewField("Single float64", nil, []float64{8.26, 8.7, 14.82, 10.07, 8.52}).
			SetConfig(&data.FieldConfig{Unit: "Percent"}))
	if meta != nil {
		f.SetMeta(meta)
	}
	return f
}

func labelledStringFrame() *data.Frame {
	return data.NewFrame("Frame Two",
		data.NewField("single string", data.Labels{"a": "b"}, []string{"a", "b", "c"}).
			SetConfig(&data.FieldConfig{DisplayName: "123"}))
}

func responseFixtures() []responseFixture {
	pair := func(base string, meta *data.FrameMeta) responseFixture {
		return responseFixture{base + ".golden.txt", base + ".golden.jsonc", okResponse(percentFrame(meta), labelledStringFrame())}
	}
	jsonCell := json.RawMessage(`{"a":1,"b":2}`)
	return []responseFixture{
		pair("frame-no-meta", nil),
		pair("frame-non-custom-meta", &data.FrameMeta{
			ExecutedQueryString: "SELECT * FROM X",
			Notices:             []data.Notice{{Severity: data.NoticeSeverityInfo, Text: "hello"}},
		}),
		pair("frame-empty-custom-meta", &data.FrameMeta{Custom: map[string]any{}}),
		pair("frame-custom-meta", &data.FrameMeta{Custom: map[string]any{"someValue": "value"}}),
		{"frame-json.txt", "frame-json.jsonc", okResponse(data.NewFrame("JSON frame",
			data.NewField("json.RawMessage", nil, []json.RawMessage{jsonCell}),
			data.NewField("*json.RawMessage", nil, []*json.RawMessage{&jsonCell})))},
		{"", "single-json-frame.golden.jsonc", okResponse(percentFrame(nil))},
		{"", "single-json-framer.golden.jsonc", okResponse(
			data.NewFrame("Frame One", data.NewField("A", nil, []float64{1, 2, 3})),
			data.NewFrame("Frame Two", data.NewField("B", nil, []float64{4})))},
		{"large.golden.txt", "", okResponse(largeAlarmFrame())},
	}
}

// largeAlarmFrame is a frame of about 100 KB: five nullable string columns and a nullable time
// column over 527 rows, shaped like an alarm list (component kind, alarm id, entity id, entity
// name, status, time). The values are generated, deterministic and partly null.
func largeAlarmFrame() *data.Frame {
	const rows = 527
	kinds := []string{"WaterTank", "Mixer", "Boiler", "Reactor", "Pump"}
	statuses := []string{"NORMAL", "ACTIVE", "ACKNOWLEDGED", "LATCHED"}
	cols := make([][]*string, 5)
	for c := range cols {
		cols[c] = make([]*string, rows)
	}
	times := make([]*time.Time, rows)
	start := time.Date(2021, 11, 2, 8, 0, 0, 0, time.UTC)
	for r := 0; r < rows; r++ {
		entity := fmt.Sprintf("%s_%03d", kinds[r%len(kinds)], 999-r)
		cols[0][r] = ptr("AlarmComponent")
		cols[1][r] = ptr(fmt.Sprintf("%s_%s", entity, pseudoUUID(2*r)))
		cols[2][r] = ptr(fmt.Sprintf("%s_%s", entity, pseudoUUID(2*r+1)))
		cols[3][r] = ptr(entity)
		if r%3 != 0 { // a third of the alarms have never fired: no status, no time
			cols[4][r] = ptr(statuses[r%len(statuses)])
			times[r] = ptr(start.Add(time.Duration(r) * 1500 * time.Millisecond))
		}
	}
	f := data.NewFrame("",
		data.NewField("alarmName", nil, cols[0]),
		data.NewField("alarmId", nil, cols[1]),
		data.NewField("entityId", nil, cols[2]),
		data.NewField("entityName", nil, cols[3]),
		data.NewField("alarmStatus", nil, cols[4]),
		data.NewField("Time", nil, times))
	return f.SetMeta(&data.FrameMeta{Custom: map[string]any{}})
}

// pseudoUUID formats a deterministic 128-bit value (a 64-bit LCG seeded by n) in UUID layout.
func pseudoUUID(n int) string {
	x := uint64(n)*6364136223846793005 + 1442695040888963407
	y := x*6364136223846793005 + 1442695040888963407
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(x>>32), uint16(x>>16), uint16(x), uint16(y>>48), y&0xffffffffffff)
}

// directoryListingResponse lists a folder made here with fixed entries through the SDK's own
// directory-listing frame, so the frame (names, media types, meta) does not depend on any real tree.
func directoryListingResponse() (*backend.DataResponse, error) {
	dir, err := os.MkdirTemp("", "write-golden-folder")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for _, name := range []string{"README.md", "go.mod", "main.go"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"actions", "backend", "data", "experimental", "live", "testdata"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			return nil, err
		}
	}
	frame, err := directoryFrame(dir)
	if err != nil {
		return nil, err
	}
	return okResponse(frame), nil
}
