package suite

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tributary/conformance/harness"
)

// streamQuery is a fast stream: 2 series every 10 ms, coalesced to 20 packets/s (stride 5 rows).
func streamQuery(refID string) tributaryQuery {
	return tributaryQuery{RefID: refID, Signal: "random-walk", SeriesCount: 2, SampleIntervalMs: 10, Amplitude: 1, Offset: 0, PeriodMs: 10_000, WithStreaming: true}
}

// activeChannels reads CheckHealth's jsonDetails.activeChannels.
func activeChannels(t *testing.T, p *harness.Plugin) int {
	t.Helper()
	resp, err := p.Diagnostics.CheckHealth(ctxTimeout(t, 5*time.Second), &pluginv2.CheckHealthRequest{PluginContext: pluginContext(defaultTestSettings)})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	var d struct {
		ActiveChannels *int `json:"activeChannels"`
	}
	if err := json.Unmarshal(resp.JsonDetails, &d); err != nil || d.ActiveChannels == nil {
		t.Fatalf("CheckHealth jsonDetails.activeChannels: expected a number, actual %q", resp.JsonDetails)
	}
	return *d.ActiveChannels
}

// waitActiveChannels polls CheckHealth until the plugin reports n active channels.
func waitActiveChannels(t *testing.T, p *harness.Plugin, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := activeChannels(t, p)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("active live channels: expected %d within %s, actual %d", n, within, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricValue sums a Prometheus counter/gauge family from CollectMetrics.
func metricValue(t *testing.T, p *harness.Plugin, name string) float64 {
	t.Helper()
	resp, err := p.Diagnostics.CollectMetrics(ctxTimeout(t, 5*time.Second), &pluginv2.CollectMetricsRequest{PluginContext: pluginContext(defaultTestSettings)})
	if err != nil {
		t.Fatalf("CollectMetrics: %v", err)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(resp.Metrics.GetPrometheus()))
	if err != nil {
		t.Fatalf("CollectMetrics: %v", err)
	}
	f, ok := fams[name]
	if !ok {
		t.Fatalf("metric %s: expected present, actual missing", name)
	}
	sum := 0.0
	for _, m := range f.Metric {
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	return sum
}

// TestStreamGrafanaLive follows one channel through Grafana Live's rules: two subscribers
// (SubscribeStream each, initial data = schema), one RunStream, every packet valid JSON, the
// schema once then data-only packets appended with the SDK's reader, values equal to the Go
// reference at the same timestamps with no gap, coalescing to the packet budget, and the plugin
// stopping its upstream once the last subscriber leaves.
func TestStreamGrafanaLive(t *testing.T) {
	ref := launchReference(t)
	p := launchManaged(t)
	pc := pluginContext(defaultTestSettings)
	q := streamQuery("A")
	path := channelPaths(t, p, pc, []tributaryQuery{q})[0]
	if refPath := channelPaths(t, ref, pc, []tributaryQuery{q})[0]; refPath != path {
		t.Errorf("channel path: expected %q (Go reference codec), actual %q", refPath, path)
	}

	live := harness.NewLive(p, pc)
	defer live.Close()
	ctx := ctxTimeout(t, 30*time.Second)
	res1, sub1, err := live.Subscribe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	res2, sub2, err := live.Subscribe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []*harness.SubscribeResult{res1, res2} {
		if r.Status != pluginv2.SubscribeStreamResponse_OK {
			t.Fatalf("SubscribeStream #%d: expected OK, actual %s", i+1, r.Status)
		}
		if r.Initial == nil {
			t.Fatalf("SubscribeStream #%d: expected initial data with the schema (late subscribers need field names), actual none", i+1)
		}
	}
	// The initial schema must be the QueryData frame's schema.
	_, qd, err := queryFrames(ctx, ref, pc, pluginv2.DataFrameFormat_ARROW, dataQuery(q, time.Now().Add(-time.Second), time.Now(), 1))
	if err != nil {
		t.Fatal(err)
	}
	want := schemaOnly(t, qd.Responses["A"].Frames[0])
	reportMismatches(t, harness.CompareFrames("SubscribeStream initial data", want, res1.Initial, harness.CompareOptions{}))

	if err := sub1.WaitRows(ctx, 60); err != nil {
		t.Fatalf("subscriber 1: %v", err)
	}
	if err := sub2.WaitRows(ctx, 60); err != nil {
		t.Fatalf("subscriber 2: %v", err)
	}
	ch := live.Channel(path)
	runs, packets, errs, invalid := ch.Stats()
	if runs != 1 || len(errs) > 0 || invalid != nil {
		t.Errorf("RunStream: expected one run without errors, actual runs=%d errors=%v invalid=%q", runs, errs, invalid)
	}
	if sub1.SchemaPackets != 1 {
		t.Errorf("schema packets on the RunStream: expected exactly 1 (then data-only), actual %d", sub1.SchemaPackets)
	}
	// Coalescing, judged on sample time rather than wall-clock: 10 ms samples at <= 20 packets/s
	// means one packet per 5 samples on average (a late wake may split them 6 + 4).
	rows := 0
	for _, r := range sub1.RowsPerPacket {
		rows += r
	}
	if maxPackets := rows/5 + 2; len(sub1.RowsPerPacket) > maxPackets {
		t.Errorf("data packets for %d rows of 10 ms samples at 20 packets/s: expected <= %d, actual %d (%v)", rows, maxPackets, len(sub1.RowsPerPacket), sub1.RowsPerPacket)
	}
	if got := activeChannels(t, p); got != 1 {
		t.Errorf("active channels with two subscribers on one path: expected 1, actual %d", got)
	}
	t.Logf("%d packets, rows per packet %v", packets, sub1.RowsPerPacket)

	// Values: the streamed rows must be exactly the reference's history for the same instants.
	assertStreamMatchesReference(t, ref, pc, q, sub1.Frame)
	assertSameRows(t, sub1.Frame, sub2.Frame)

	// Leaving: the first leaves (stream keeps running), then the last (RunStream cancelled).
	sub1.Leave()
	if got := activeChannels(t, p); got != 1 {
		t.Errorf("active channels after one of two subscribers left: expected 1, actual %d", got)
	}
	sub2.Leave()
	waitActiveChannels(t, p, 0, 5*time.Second)
	sent := metricValue(t, p, "tributary_stream_packets_sent_total")
	time.Sleep(300 * time.Millisecond) // six packet intervals: a running upstream would have sent more
	if after := metricValue(t, p, "tributary_stream_packets_sent_total"); after != sent {
		t.Errorf("packets sent after the last subscriber left: expected none, actual %v more", after-sent)
	}
	if v := metricValue(t, p, "tributary_active_channels"); v != 0 {
		t.Errorf("tributary_active_channels after cancel: expected 0, actual %v", v)
	}
}

// assertStreamMatchesReference compares streamed rows with the reference's QueryData history for
// the same time span: same timestamps (contiguous, no gap, no duplicate) and same values.
func assertStreamMatchesReference(t *testing.T, ref *harness.Plugin, pc *pluginv2.PluginContext, q tributaryQuery, streamed *data.Frame) {
	t.Helper()
	rows := streamed.Rows()
	first, _ := streamed.Fields[0].ConcreteAt(0)
	last, _ := streamed.Fields[0].ConcreteAt(rows - 1)
	from, to := first.(time.Time), last.(time.Time)
	q.WithStreaming = false
	_, resp, err := queryFrames(ctxTimeout(t, 10*time.Second), ref, pc, pluginv2.DataFrameFormat_ARROW, dataQuery(q, from, to, int64(rows)+10))
	if err != nil {
		t.Fatal(err)
	}
	want := resp.Responses[q.RefID].Frames[0]
	want.RefID, want.Meta = "", nil
	got := streamed
	got.RefID, got.Meta = "", nil
	reportMismatches(t, harness.CompareFrames("streamed frame vs reference history", want, got, signalTolerance))
}

func assertSameRows(t *testing.T, a, b *data.Frame) {
	t.Helper()
	index := map[int64]int{}
	for i := 0; i < a.Rows(); i++ {
		v, _ := a.Fields[0].ConcreteAt(i)
		index[v.(time.Time).UnixNano()] = i
	}
	common := 0
	for j := 0; j < b.Rows(); j++ {
		v, _ := b.Fields[0].ConcreteAt(j)
		i, ok := index[v.(time.Time).UnixNano()]
		if !ok {
			continue
		}
		common++
		for f := 1; f < len(a.Fields); f++ {
			if x, y := a.Fields[f].At(i), b.Fields[f].At(j); x != y {
				t.Errorf("subscribers disagree at %s field %s: first %v, second %v", v, a.Fields[f].Name, x, y)
			}
		}
	}
	if common == 0 {
		t.Errorf("subscribers on one channel: expected overlapping rows, actual none")
	}
}

// Every path the reference answers NOT_FOUND / PERMISSION_DENIED / OK must get the same answer
// from Tributary, including random strings in Grafana's path charset; PublishStream is denied.
func TestSubscribeStreamPathRules(t *testing.T) {
	ref := launchReference(t)
	p := launchManaged(t)
	pc := pluginContext(defaultTestSettings)
	valid := channelPaths(t, ref, pc, []tributaryQuery{sineQuery("A")})[0]
	paths := []string{
		valid,
		"nope",
		"v1",
		"v2/sine/n=3/i=100/a=10/o=0/p=10000",
		"v1/laser/n=3/i=100/a=10/o=0",
		"v1/sine/n=50/i=100/a=10/o=0/p=10000", // beyond maxSeries = 20
		"v1/sine/n=3/i=5/a=10/o=0/p=10000",    // below the absolute interval
		"v1/sine/n=3/i=100/a=10/o=0",          // period missing: defaults, not canonical
		"v1/sine/n=03/i=100/a=10/o=0/p=10000", // not canonical
		"v1/counter/n=2/i=10/a=1.5/o=-7",
		"v1/counter/n=2/i=10/a=1.5/o=-7/p=100", // period on a non-periodic signal
		"v1/sine/n=3/i=100/a=10/o=0/p=10000/l=V2Fsaw",
		"v1/sine/n=3/i=100/a=10/o=0/p=10000/l=!!",
		"v1/sine/n=3/i=100/a=10/o=0/p=10000/n=3",
		strings.Repeat("a/", 120),
	}
	rng := rand.New(rand.NewPCG(7, 11))
	const charset = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/=."
	for i := 0; i < 150; i++ {
		// Mutations of a valid path and random strings.
		b := []byte(valid)
		if i%2 == 0 {
			b[rng.IntN(len(b))] = charset[rng.IntN(len(charset))]
		} else {
			b = make([]byte, 1+rng.IntN(60))
			for j := range b {
				b[j] = charset[rng.IntN(len(charset))]
			}
		}
		paths = append(paths, string(b))
	}
	ctx := ctxTimeout(t, 60*time.Second)
	for _, path := range paths {
		want, err := ref.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: pc, Path: path})
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: pc, Path: path})
		if err != nil {
			t.Errorf("SubscribeStream %q: expected status %s, actual gRPC error %v", path, want.Status, err)
			continue
		}
		if got.Status != want.Status {
			t.Errorf("SubscribeStream %q: expected %s, actual %s", path, want.Status, got.Status)
		}
	}
	pub, err := p.Stream.PublishStream(ctx, &pluginv2.PublishStreamRequest{PluginContext: pc, Path: valid, Data: []byte(`{"x":1}`)})
	if err != nil || pub.Status != pluginv2.PublishStreamResponse_PERMISSION_DENIED {
		t.Errorf("PublishStream: expected PERMISSION_DENIED, actual %v (err %v)", pub.GetStatus(), err)
	}
	checkHealthOK(t, p)
}

// Two Grafana instances (two go-plugin clients, each with its own launcher) on one sidecar:
// each runs its own RunStream for the channel; the sidecar must share one upstream and both must
// see identical rows.
func TestTwoGrafanaInstancesOneSidecar(t *testing.T) {
	sc := startSidecar(t)
	g1 := launchWithSidecar(t, sc, "grafana-1")
	g2 := launchWithSidecar(t, sc, "grafana-2")
	pc := pluginContext(defaultTestSettings)
	path := channelPaths(t, g1, pc, []tributaryQuery{streamQuery("A")})[0]
	live1, live2 := harness.NewLive(g1, pc), harness.NewLive(g2, pc)
	defer live1.Close()
	defer live2.Close()
	ctx := ctxTimeout(t, 30*time.Second)
	_, s1, err := live1.Subscribe(ctx, path)
	if err != nil || s1 == nil {
		t.Fatalf("instance 1 subscribe: %v", err)
	}
	_, s2, err := live2.Subscribe(ctx, path)
	if err != nil || s2 == nil {
		t.Fatalf("instance 2 subscribe: %v", err)
	}
	if err := s1.WaitRows(ctx, 50); err != nil {
		t.Fatal(err)
	}
	if err := s2.WaitRows(ctx, 50); err != nil {
		t.Fatal(err)
	}
	if got := activeChannels(t, g2); got != 1 {
		t.Errorf("upstreams for one channel run by two Grafana instances: expected 1, actual %d", got)
	}
	assertSameRows(t, s1.Frame, s2.Frame)
	s1.Leave()
	if err := s2.WaitRows(ctx, s2.Frame.Rows()+10); err != nil {
		t.Errorf("instance 2 after instance 1 left: expected more rows, actual %v", err)
	}
	s2.Leave()
	waitActiveChannels(t, g1, 0, 5*time.Second)
}

// A sidecar restart mid-stream (a crash, or the dev loop / compose restarting only the backend):
// Grafana's RunStream must fail with an error so that Grafana retries it with its backoff through
// the same launcher, and rows must flow again on the same channel with the same schema. A
// RunStream that ends with OK instead is "finished without error" for Grafana: never restarted,
// the panel freezes until the browser re-subscribes.
func TestStreamRestartAfterSidecarRestart(t *testing.T) {
	for _, how := range []string{"crash", "graceful"} {
		t.Run(how, func(t *testing.T) {
			sockDir, err := shortTempDir(t)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := harness.StartSidecar(paths.MainJS, sockDir)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { sc.Stop() }()
			g := launchWithSidecar(t, sc, "grafana")
			pc := pluginContext(defaultTestSettings)
			path := channelPaths(t, g, pc, []tributaryQuery{streamQuery("A")})[0]
			live := harness.NewLive(g, pc)
			defer live.Close()
			ctx := ctxTimeout(t, 30*time.Second)
			_, sub, err := live.Subscribe(ctx, path)
			if err != nil || sub == nil {
				t.Fatalf("subscribe: %v", err)
			}
			if err := sub.WaitRows(ctx, 20); err != nil {
				t.Fatal(err)
			}
			ch := live.Channel(path)
			if how == "crash" {
				sc.Crash()
			} else {
				sc.Stop() // SIGTERM: the sidecar's graceful shutdown
			}
			sc, err = harness.StartSidecar(paths.MainJS, sockDir)
			if err != nil {
				t.Fatalf("restart sidecar on the same socket: %v", err)
			}
			rowsBefore := sub.Frame.Rows()
			err = sub.WaitRows(ctx, rowsBefore+20)
			runs, _, errs, invalid := ch.Stats()
			if ch.Ended() {
				t.Fatalf("RunStream ended with status OK when the sidecar went down (%s): Grafana logs \"Stream finished without error, stopping it\" and never restarts it, so live panels freeze; expected an error status (e.g. UNAVAILABLE) so Grafana retries", how)
			}
			if err != nil {
				t.Fatalf("rows after the sidecar restart: expected 20 more, actual %v (runs=%d errors=%v)\n%s", err, runs, errs, sc.Stderr())
			}
			if runs < 2 || len(errs) == 0 {
				t.Errorf("RunStream across a sidecar restart: expected an error and a retry, actual runs=%d errors=%v", runs, errs)
			}
			if invalid != nil {
				t.Errorf("invalid JSON packet: %q", invalid)
			}
			t.Logf("RunStream runs=%d; expected errors seen by the host while the sidecar was down (they make Grafana retry): %v", runs, errs)
		})
	}
}

// schemaOnly is the frame's schema with no rows (through the SDK's own JSON schema writer).
func schemaOnly(t *testing.T, f *data.Frame) *data.Frame {
	t.Helper()
	b, err := data.FrameToJSON(f, data.IncludeSchemaOnly)
	if err != nil {
		t.Fatal(err)
	}
	out := &data.Frame{}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	out.RefID, out.Meta = "", nil
	return out
}
