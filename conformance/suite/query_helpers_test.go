package suite

import (
	"encoding/json"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// tributaryQuery is the query model of src/shared/query.ts (TributaryQuery) as the frontend sends it
// (without Grafana's own bookkeeping fields such as the panel's intervalMs, which the model ignores).
type tributaryQuery struct {
	RefID            string  `json:"refId"`
	Signal           string  `json:"signal"`
	SeriesCount      int     `json:"seriesCount"`
	SampleIntervalMs int     `json:"sampleIntervalMs"`
	Amplitude        float64 `json:"amplitude"`
	Offset           float64 `json:"offset"`
	PeriodMs         int     `json:"periodMs"`
	WithStreaming    bool    `json:"withStreaming"`
	Alias            string  `json:"alias,omitempty"`
}

func sineQuery(refID string) tributaryQuery {
	return tributaryQuery{RefID: refID, Signal: "sine", SeriesCount: 3, SampleIntervalMs: 100, Amplitude: 10, Offset: 0, PeriodMs: 10_000}
}

// dataQuery wraps a model the way Grafana's /api/ds/query handler does.
func dataQuery(q tributaryQuery, from, to time.Time, maxDataPoints int64) *pluginv2.DataQuery {
	js, _ := json.Marshal(q)
	return rawDataQuery(q.RefID, js, from, to, maxDataPoints)
}

func rawDataQuery(refID string, js []byte, from, to time.Time, maxDataPoints int64) *pluginv2.DataQuery {
	return &pluginv2.DataQuery{
		RefId:         refID,
		MaxDataPoints: maxDataPoints,
		IntervalMS:    1000,
		TimeRange:     &pluginv2.TimeRange{FromEpochMS: from.UnixMilli(), ToEpochMS: to.UnixMilli()},
		Json:          js,
	}
}
