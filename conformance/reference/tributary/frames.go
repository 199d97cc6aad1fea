package tributary

import (
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// SeriesNames mirrors seriesNames (frames.ts).
func SeriesNames(q StreamQuery) []string {
	names := make([]string, q.SeriesCount)
	for i := range names {
		switch {
		case q.Alias != "" && q.SeriesCount == 1:
			names[i] = q.Alias
		case q.Alias != "":
			names[i] = fmt.Sprintf("%s %d", q.Alias, i+1)
		default:
			names[i] = fmt.Sprintf("%s-%d", q.Signal, i+1)
		}
	}
	return names
}

// SignalFrame mirrors signalFrame: a "time" field (config.interval = sampleIntervalMs) and one float64
// field per series for rows consecutive steps from firstStep.
func SignalFrame(names []string, sampleIntervalMs float64, gen *Generator, firstStep float64, rows int) *data.Frame {
	times := make([]time.Time, rows)
	for r := range times {
		ms := int64((firstStep + float64(r)) * sampleIntervalMs)
		times[r] = time.UnixMilli(ms).UTC()
	}
	timeField := data.NewField("time", nil, times)
	timeField.Config = &data.FieldConfig{Interval: sampleIntervalMs}
	fields := []*data.Field{timeField}
	for i, col := range gen.Columns(firstStep, rows) {
		fields = append(fields, data.NewField(names[i], nil, col))
	}
	return data.NewFrame("", fields...)
}
