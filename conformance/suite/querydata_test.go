package suite

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tributary/conformance/harness"
)

// Go's math.Sin/Cos/Log and V8's can differ in the last bit; the random walk sums such values
// over 16 bisection levels, hence a small absolute tolerance besides the relative one.
var signalTolerance = harness.CompareOptions{FloatRel: 1e-12, FloatAbs: 1e-9}

// queryCase is one query of the mixed QueryData request.
type queryCase struct {
	refID string
	json  string
	// malformed: the JSON does not parse, so the error text comes from each runtime's JSON parser
	// and only its fixed prefix is compared.
	malformed bool
	// span and maxDataPoints override the request's one-hour range and 600 points.
	span          time.Duration
	maxDataPoints int64
}

func mixedQueries() []queryCase {
	enc := func(q tributaryQuery) string { b, _ := json.Marshal(q); return string(b) }
	walk := tributaryQuery{RefID: "B", Signal: "random-walk", SeriesCount: 2, SampleIntervalMs: 1000, Amplitude: 3, Offset: 50, PeriodMs: 10_000, Alias: "Walk"}
	square := tributaryQuery{RefID: "C", Signal: "square", SeriesCount: 1, SampleIntervalMs: 250, Amplitude: 2, Offset: -1, PeriodMs: 4_000, WithStreaming: true, Alias: "Sq"}
	saw := tributaryQuery{RefID: "D", Signal: "sawtooth", SeriesCount: 4, SampleIntervalMs: 60_000, Amplitude: 0.5, Offset: 1e6, PeriodMs: 3_600_000}
	counter := tributaryQuery{RefID: "E", Signal: "counter", SeriesCount: 2, SampleIntervalMs: 10, Amplitude: 1.5, Offset: -7}
	streaming := sineQuery("A")
	streaming.WithStreaming = true
	return []queryCase{
		{refID: "A", json: enc(streaming)},
		{refID: "B", json: enc(walk)},
		{refID: "C", json: enc(square)},
		{refID: "D", json: enc(saw)},
		{refID: "E", json: enc(counter)},
		{refID: "F", json: `{"refId":"F","signal":"sine","seriesCount":`, malformed: true},
		{refID: "G", json: `{"refId":"G","signal":"sine","seriesCount":500}`},
		{refID: "H", json: `{"refId":"H","signal":"sine","seriesCount":50}`}, // beyond maxSeries=20
		{refID: "I", json: `{"refId":"I","signal":"laser"}`},
		{refID: "J", json: `{"refId":"J","sampleIntervalMs":"250","amplitude":"2.5"}`}, // numbers as text
		{refID: "K", json: `{}`}, // every default
		{refID: "L", json: `[1,2,3]`},
		// 20 series x one day at 1 s with no maxDataPoints: capped at 1M points, with a warning notice.
		{refID: "M", json: `{"refId":"M","signal":"sawtooth","seriesCount":20,"sampleIntervalMs":1000}`, span: 24 * time.Hour, maxDataPoints: -1},
		// What DataSourceWithBackend really sends: its own bookkeeping, with the panel interval in
		// intervalMs. That field is not the sample interval and must be ignored, even when odd.
		{refID: "N", json: `{"refId":"N","signal":"sine","seriesCount":2,"sampleIntervalMs":500,"intervalMs":7,"maxDataPoints":600,"datasource":{"type":"tributary-streaming-datasource","uid":"x"},"datasourceId":3}`},
		{refID: "O", json: `{"refId":"O","intervalMs":"soon"}`},
	}
}

func mixedRequest(format pluginv2.DataFrameFormat) *pluginv2.QueryDataRequest {
	to := time.UnixMilli(1_700_000_123_456)
	from := to.Add(-time.Hour)
	req := &pluginv2.QueryDataRequest{PluginContext: pluginContext(defaultTestSettings), Format: format}
	for _, c := range mixedQueries() {
		f, mdp := from, int64(600)
		if c.span > 0 {
			f = to.Add(-c.span)
		}
		if c.maxDataPoints != 0 {
			mdp = max(c.maxDataPoints, 0)
		}
		req.Queries = append(req.Queries, rawDataQuery(c.refID, []byte(c.json), f, to, mdp))
	}
	return req
}

// TestQueryDataMatchesGoSDK sends the same mixed request (good, malformed and invalid queries)
// to Tributary (managed and sidecar) and to the Go SDK reference, decodes both with the SDK
// and compares every response field by field.
func TestQueryDataMatchesGoSDK(t *testing.T) {
	ref := launchReference(t)
	expected := runMixed(t, ref, pluginv2.DataFrameFormat_ARROW)
	sc := startSidecar(t)
	for _, mode := range []struct {
		name   string
		launch func(t *testing.T) *harness.Plugin
	}{
		{"managed", func(t *testing.T) *harness.Plugin { return launchManaged(t) }},
		{"sidecar", func(t *testing.T) *harness.Plugin { return launchWithSidecar(t, sc, "launcher") }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			p := mode.launch(t)
			actual := runMixed(t, p, pluginv2.DataFrameFormat_ARROW)
			compareResponses(t, expected, actual, signalTolerance)
			assertGrafanaBrowserEncoding(t, actual)
			assertPointsCap(t, actual)
			assertPanelIntervalIgnored(t, actual)
		})
	}
}

// TestQueryDataJSONFormat: with format=JSON (SDK >= v0.290) every DataResponse must say JSON and
// decode with the SDK's JSON reader to exactly the frames the Arrow path gives.
func TestQueryDataJSONFormat(t *testing.T) {
	p := launchManaged(t)
	arrow := runMixed(t, p, pluginv2.DataFrameFormat_ARROW)
	jsonResp := runMixed(t, p, pluginv2.DataFrameFormat_JSON)
	for _, c := range mixedQueries() {
		r := jsonResp.raw.Responses[c.refID]
		if r == nil {
			continue
		}
		if len(r.Frames) > 0 && r.Format != pluginv2.DataFrameFormat_JSON {
			t.Errorf("responses[%s].format: expected JSON, actual %s", c.refID, r.Format)
		}
		for i, f := range r.Frames {
			if !json.Valid(f) {
				t.Errorf("responses[%s].frames[%d]: expected frame JSON, actual invalid JSON %.200q", c.refID, i, f)
			}
		}
	}
	for _, c := range mixedQueries() {
		ra := arrow.raw.Responses[c.refID]
		if ra != nil && len(ra.Frames) > 0 && ra.Format != pluginv2.DataFrameFormat_ARROW {
			t.Errorf("responses[%s].format with format=ARROW: expected ARROW, actual %s", c.refID, ra.Format)
		}
	}
	compareResponses(t, arrow, jsonResp, harness.CompareOptions{})
}

type mixedResult struct {
	raw     *pluginv2.QueryDataResponse
	decoded *backend.QueryDataResponse
}

func runMixed(t *testing.T, p *harness.Plugin, format pluginv2.DataFrameFormat) mixedResult {
	t.Helper()
	req := mixedRequest(format)
	raw, decoded, err := queryFrames(ctxTimeout(t, 30*time.Second), p, req.PluginContext, format, req.Queries...)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs.Dump())
	}
	// Also decode each Arrow payload directly, as Grafana's /api/ds/query path does.
	if format == pluginv2.DataFrameFormat_ARROW {
		for ref, r := range raw.Responses {
			if _, err := data.UnmarshalArrowFrames(r.Frames); err != nil {
				t.Errorf("responses[%s]: data.UnmarshalArrowFrames: %v", ref, err)
			}
		}
	}
	return mixedResult{raw: raw, decoded: decoded}
}

func compareResponses(t *testing.T, expected, actual mixedResult, opts harness.CompareOptions) {
	t.Helper()
	for _, c := range mixedQueries() {
		e, eok := expected.decoded.Responses[c.refID]
		a, aok := actual.decoded.Responses[c.refID]
		if !aok {
			t.Errorf("responses[%s]: expected present, actual missing", c.refID)
			continue
		}
		if !eok {
			t.Errorf("responses[%s]: reference has no response", c.refID)
			continue
		}
		if er, ar := expected.raw.Responses[c.refID].Status, actual.raw.Responses[c.refID].Status; er != ar {
			t.Errorf("responses[%s].status: expected %d, actual %d", c.refID, er, ar)
		}
		if e.ErrorSource != a.ErrorSource {
			t.Errorf("responses[%s].errorSource: expected %q, actual %q", c.refID, e.ErrorSource, a.ErrorSource)
		}
		switch {
		case (e.Error == nil) != (a.Error == nil):
			t.Errorf("responses[%s].error: expected %v, actual %v", c.refID, e.Error, a.Error)
		case e.Error != nil && c.malformed:
			const prefix = "the query JSON is malformed"
			if !strings.Contains(a.Error.Error(), prefix) {
				t.Errorf("responses[%s].error: expected to contain %q, actual %q", c.refID, prefix, a.Error)
			}
		case e.Error != nil && e.Error.Error() != a.Error.Error():
			t.Errorf("responses[%s].error: expected %q, actual %q", c.refID, e.Error, a.Error)
		}
		if len(e.Frames) != len(a.Frames) {
			t.Errorf("responses[%s].frames: expected %d frames, actual %d", c.refID, len(e.Frames), len(a.Frames))
			continue
		}
		for i := range e.Frames {
			reportMismatches(t, harness.CompareFrames("responses["+c.refID+"].frames["+itoa(i)+"]", e.Frames[i], a.Frames[i], opts))
		}
	}
}

// assertGrafanaBrowserEncoding re-encodes every decoded frame with data.FrameToJSON, as Grafana
// does before sending /api/ds/query results to the browser, and reads it back with the SDK.
func assertGrafanaBrowserEncoding(t *testing.T, r mixedResult) {
	t.Helper()
	for ref, resp := range r.decoded.Responses {
		for i, f := range resp.Frames {
			b, err := data.FrameToJSON(f, data.IncludeAll)
			if err != nil {
				t.Errorf("responses[%s].frames[%d]: data.FrameToJSON: %v", ref, i, err)
				continue
			}
			back := &data.Frame{}
			if err := json.Unmarshal(b, back); err != nil {
				t.Errorf("responses[%s].frames[%d]: SDK cannot read back its own JSON of our frame: %v", ref, i, err)
				continue
			}
			reportMismatches(t, harness.CompareFrames("browser JSON of responses["+ref+"].frames["+itoa(i)+"]", f, back, harness.CompareOptions{}))
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// assertPointsCap: the capped query M must keep at most 1M points (far below gRPC's 16 MiB) and
// tell the user with a warning notice, which Grafana shows on the panel.
func assertPointsCap(t *testing.T, r mixedResult) {
	t.Helper()
	frames := r.decoded.Responses["M"].Frames
	if len(frames) != 1 {
		t.Fatalf("responses[M]: expected 1 frame, actual %d", len(frames))
	}
	f := frames[0]
	if points := f.Rows() * (len(f.Fields) - 1); points > 1_000_000 || points < 900_000 {
		t.Errorf("responses[M] points: expected the 1M cap (about 1M), actual %d", points)
	}
	if f.Meta == nil || len(f.Meta.Notices) != 1 || f.Meta.Notices[0].Severity != data.NoticeSeverityWarning {
		t.Errorf("responses[M].meta.notices: expected one warning, actual %+v", f.Meta)
	}
	if size := len(r.raw.Responses["M"].Frames[0]); size >= 16<<20 {
		t.Errorf("responses[M] encoded size: expected < 16 MiB, actual %d bytes", size)
	}
}

// assertPanelIntervalIgnored: Grafana stamps the panel's interval into every query's intervalMs;
// the sample interval is sampleIntervalMs (N), else the default 100 ms (O), never intervalMs.
func assertPanelIntervalIgnored(t *testing.T, r mixedResult) {
	t.Helper()
	for ref, want := range map[string]time.Duration{"N": 500 * time.Millisecond, "O": 100 * time.Millisecond} {
		resp := r.decoded.Responses[ref]
		if resp.Error != nil || len(resp.Frames) != 1 || resp.Frames[0].Rows() < 2 {
			t.Errorf("responses[%s]: expected one frame of samples, actual error %v, %d frames", ref, resp.Error, len(resp.Frames))
			continue
		}
		times := resp.Frames[0].Fields[0]
		t0, _ := times.ConcreteAt(0)
		t1, _ := times.ConcreteAt(1)
		if step := t1.(time.Time).Sub(t0.(time.Time)); step != want {
			t.Errorf("responses[%s] sample spacing: expected %v, actual %v", ref, want, step)
		}
	}
}

// An oversized QueryData request (over the Go SDK's 16 MiB receive limit) must get a gRPC error
// Grafana recognises (ResourceExhausted, like the Go SDK) and must not take the process down.
func TestQueryDataOversizedRequest(t *testing.T) {
	ref := launchReference(t)
	p := launchManaged(t)
	big := []byte(`{"refId":"A","alias":"` + strings.Repeat("x", 17<<20) + `"}`)
	now := time.Now()
	req := &pluginv2.QueryDataRequest{PluginContext: pluginContext(defaultTestSettings), Queries: []*pluginv2.DataQuery{rawDataQuery("A", big, now.Add(-time.Minute), now, 10)}}
	_, refErr := ref.Data.QueryData(ctxTimeout(t, 30*time.Second), req)
	if status.Code(refErr) != codes.ResourceExhausted {
		t.Fatalf("the Go SDK reference answered an oversized request with %v; expected ResourceExhausted", refErr)
	}
	_, err := p.Data.QueryData(ctxTimeout(t, 30*time.Second), req)
	if want, got := status.Code(refErr), status.Code(err); got != want {
		t.Errorf("oversized QueryData: expected gRPC %s (as the Go SDK), actual %s (%v)", want, got, err)
	}
	checkHealthOK(t, p)
}
