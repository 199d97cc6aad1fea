package suite

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tributary/conformance/harness"
)

// CheckHealth as Grafana's "Save & test" sees it: OK with a message and jsonDetails that parse as
// a JSON object (else Grafana answers 500); bad settings give ERROR with a fix-it message equal to
// the reference's (same validation rules), and the process stays up.
func TestCheckHealth(t *testing.T) {
	ref := launchReference(t)
	sc := startSidecar(t)
	for _, mode := range []struct {
		name string
		p    func(t *testing.T) *harness.Plugin
	}{
		{"managed", func(t *testing.T) *harness.Plugin { return launchManaged(t) }},
		{"sidecar", func(t *testing.T) *harness.Plugin { return launchWithSidecar(t, sc, "launcher") }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			p := mode.p(t)
			resp := checkHealthOK(t, p)
			if resp.Message == "" {
				t.Errorf("CheckHealth message: expected text for the user, actual empty")
			}
			var details map[string]any
			if err := json.Unmarshal(resp.JsonDetails, &details); err != nil {
				t.Errorf("CheckHealth jsonDetails: expected a JSON object (Grafana rejects anything else), actual %q (%v)", resp.JsonDetails, err)
			} else if details["runMode"] != mode.name {
				t.Errorf("CheckHealth jsonDetails.runMode: expected %q, actual %v", mode.name, details["runMode"])
			}

			for i, bad := range []string{`{"maxSeries":0}`, `{"maxPacketsPerSecond":"fast"}`, `{"minIntervalMs":5,"maxSeries":101}`, `[1]`, `not json`} {
				pc := pluginContextRaw([]byte(bad), 1_700_000_000_000+int64(i)+1)
				ctx := ctxTimeout(t, 10*time.Second)
				got, err := p.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pc})
				if err != nil {
					t.Errorf("CheckHealth with settings %s: expected status ERROR, actual gRPC error %v", bad, err)
					continue
				}
				want, err := ref.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pc})
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != pluginv2.CheckHealthResponse_ERROR {
					t.Errorf("CheckHealth with settings %s: expected ERROR, actual %s", bad, got.Status)
				}
				if !strings.HasPrefix(bad, "{") {
					// Rejected by the SDK layer before the datasource sees it: its own wording.
					if !strings.Contains(got.Message, "JSON") {
						t.Errorf("CheckHealth message with settings %s: expected to explain the JSON problem, actual %q", bad, got.Message)
					}
					continue
				}
				if got.Message != want.Message {
					t.Errorf("CheckHealth message with settings %s:\n  expected %q\n  actual   %q", bad, want.Message, got.Message)
				}
			}
			checkHealthOK(t, p) // still serving
		})
	}
}

// callResource collects the streamed CallResource response as Grafana's flushStream does.
func callResource(t *testing.T, p *harness.Plugin, method, path string) (code int32, headers map[string][]string, body []byte) {
	t.Helper()
	stream, err := p.Resource.CallResource(ctxTimeout(t, 10*time.Second), &pluginv2.CallResourceRequest{
		PluginContext: pluginContext(defaultTestSettings), Path: path, Method: method, Url: path,
		Headers: map[string]*pluginv2.StringList{"Accept": {Values: []string{"application/json"}}},
	})
	if err != nil {
		t.Fatalf("CallResource %s %s: %v", method, path, err)
	}
	first := true
	var buf bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CallResource %s %s: %v", method, path, err)
		}
		if first {
			code = msg.Code
			headers = map[string][]string{}
			for k, v := range msg.Headers {
				headers[strings.ToLower(k)] = v.Values
			}
			first = false
		}
		buf.Write(msg.Body)
	}
	if first {
		t.Fatalf("CallResource %s %s: received empty resource response (Grafana's error)", method, path)
	}
	return code, headers, buf.Bytes()
}

type signalsResource struct {
	Signals []struct {
		Kind       string                    `json:"kind"`
		Periodic   bool                      `json:"periodic"`
		Parameters map[string]map[string]any `json:"parameters"`
	} `json:"signals"`
}

// CallResource "signals" (used by the query editor) must list the same signals and parameter
// ranges as the reference, as JSON, with 404 for unknown paths and 405 for other methods.
func TestCallResourceSignals(t *testing.T) {
	ref := launchReference(t)
	p := launchManaged(t)

	code, headers, body := callResource(t, p, "GET", "signals")
	if code != 200 {
		t.Fatalf("GET signals: expected 200, actual %d (%s)", code, body)
	}
	if ct := strings.Join(headers["content-type"], ","); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET signals Content-Type: expected application/json, actual %q", ct)
	}
	var got, want signalsResource
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("GET signals body: expected JSON, actual %q (%v)", body, err)
	}
	_, _, refBody := callResource(t, ref, "GET", "signals")
	if err := json.Unmarshal(refBody, &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Signals) != len(want.Signals) {
		t.Fatalf("signals: expected %d, actual %d", len(want.Signals), len(got.Signals))
	}
	for i := range want.Signals {
		w, g := want.Signals[i], got.Signals[i]
		if w.Kind != g.Kind || w.Periodic != g.Periodic {
			t.Errorf("signals[%d]: expected kind=%s periodic=%v, actual kind=%s periodic=%v", i, w.Kind, w.Periodic, g.Kind, g.Periodic)
		}
		if wk, gk := slices.Sorted(maps.Keys(w.Parameters)), slices.Sorted(maps.Keys(g.Parameters)); !slices.Equal(wk, gk) {
			t.Errorf("signals[%d].parameters: expected %v, actual %v", i, wk, gk)
			continue
		}
		for name, wp := range w.Parameters {
			for _, k := range []string{"min", "max", "default", "integer"} {
				if wp[k] != g.Parameters[name][k] {
					t.Errorf("signals[%d].parameters.%s.%s: expected %v, actual %v", i, name, k, wp[k], g.Parameters[name][k])
				}
			}
		}
	}

	if code, _, body := callResource(t, p, "GET", "no-such-thing"); code != 404 {
		t.Errorf("GET no-such-thing: expected 404, actual %d (%s)", code, body)
	}
	code, headers, body = callResource(t, p, "POST", "signals")
	if code != 405 {
		t.Errorf("POST signals: expected 405, actual %d (%s)", code, body)
	}
	if allow := strings.Join(headers["allow"], ","); allow != "GET" {
		t.Errorf("POST signals Allow header: expected \"GET\", actual %q", allow)
	}
}

// CollectMetrics must be Prometheus text that Prometheus' own parser reads, with process metrics
// and at least the metric families the reference exposes.
func TestCollectMetrics(t *testing.T) {
	ref := launchReference(t)
	p := launchManaged(t)
	// Some traffic first so counters have samples.
	runMixed(t, p, pluginv2.DataFrameFormat_ARROW)
	runMixed(t, ref, pluginv2.DataFrameFormat_ARROW)

	families := func(p *harness.Plugin) map[string]bool {
		resp, err := p.Diagnostics.CollectMetrics(ctxTimeout(t, 10*time.Second), &pluginv2.CollectMetricsRequest{PluginContext: pluginContext(defaultTestSettings)})
		if err != nil {
			t.Fatalf("CollectMetrics: %v", err)
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		parsed, err := parser.TextToMetricFamilies(bytes.NewReader(resp.Metrics.GetPrometheus()))
		if err != nil {
			t.Fatalf("CollectMetrics payload is not Prometheus text: %v\n%.500s", err, resp.Metrics.GetPrometheus())
		}
		out := map[string]bool{}
		for name, f := range parsed {
			out[name] = len(f.Metric) > 0
		}
		return out
	}
	got, want := families(p), families(ref)
	for name := range want {
		if strings.HasPrefix(name, "tributary_") && !got[name] {
			t.Errorf("metric family %s: expected present with samples (the reference has it), actual missing", name)
		}
	}
	for _, name := range []string{"process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if !got[name] {
			t.Errorf("metric family %s: expected present, actual missing", name)
		}
	}
	// The query counter must have counted the mixed request's good and bad queries.
	if !got["tributary_queries_total"] {
		t.Errorf("tributary_queries_total: expected samples after 12 queries, actual none")
	}
}
