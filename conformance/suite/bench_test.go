package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/tributary/conformance/harness"
)

// Benchmarks drive Tributary (managed mode, through its launcher) and the Go SDK reference
// through the same go-plugin client, one after the other, and print both figures with the
// ratio Tributary/Go (see printBenchReport). Run with `-benchtime=1x`: each benchmark runs its
// own fixed measurement loop and reports through b.ReportMetric.

// benchSettings allows the largest queries the benchmarks ask for; both plugins get the same.
var benchSettings = settings{MaxSeries: 100, MinIntervalMs: 10, MaxPacketsPerSecond: 20}

type benchPlugin struct {
	name   string
	launch func(testing.TB) *harness.Plugin
}

var benchPlugins = []benchPlugin{
	{tributaryName, launchManaged},
	{referenceName, launchReference},
}

// querySizes: total points = rows x series.
var querySizes = []struct {
	label        string
	rows, series int
	iterations   int
}{
	{"1", 1, 1, 300},
	{"100", 100, 1, 300},
	{"10k", 10_000, 1, 60},
	{"1M", 100_000, 10, 6},
}

// BenchmarkQueryData alternates calls to the two plugins (T, Go, T, Go, ...) so that load from
// other processes on the machine hits both alike.
func BenchmarkQueryData(b *testing.B) {
	plugins := make([]*harness.Plugin, len(benchPlugins))
	for i, bp := range benchPlugins {
		plugins[i] = bp.launch(b)
	}
	pc := pluginContext(benchSettings)
	for _, size := range querySizes {
		b.Run("points="+size.label, func(b *testing.B) {
			q := tributaryQuery{RefID: "A", Signal: "sine", SeriesCount: size.series, SampleIntervalMs: 10, Amplitude: 10, PeriodMs: 10_000}
			// A fixed, aligned range so both plugins return exactly `rows` rows.
			to := time.UnixMilli(1_700_000_000_000)
			from := to.Add(-time.Duration(size.rows-1) * 10 * time.Millisecond)
			req := &pluginv2.QueryDataRequest{PluginContext: pc, Queries: []*pluginv2.DataQuery{dataQuery(q, from, to, int64(size.rows))}}
			for i, p := range plugins {
				for range 2 { // warm-up, and a shape check decoded with the SDK
					_, resp, err := queryFrames(ctxTimeout(b, 2*time.Minute), p, pc, pluginv2.DataFrameFormat_ARROW, req.Queries...)
					if err != nil {
						b.Fatal(err)
					}
					r := resp.Responses["A"]
					if r.Error != nil || len(r.Frames) != 1 {
						b.Fatalf("%s: expected one frame, actual error=%v frames=%d", benchPlugins[i].name, r.Error, len(r.Frames))
					}
					if got := r.Frames[0].Rows() * (len(r.Frames[0].Fields) - 1); got != size.rows*size.series {
						b.Fatalf("%s: expected %d points, actual %d", benchPlugins[i].name, size.rows*size.series, got)
					}
				}
			}
			latencies := make([][]time.Duration, len(plugins))
			totals := make([]time.Duration, len(plugins))
			bytes := make([]int, len(plugins))
			for it := 0; it < size.iterations; it++ {
				for i, p := range plugins {
					t0 := time.Now()
					resp, err := p.Data.QueryData(ctxTimeout(b, 2*time.Minute), req)
					if err != nil {
						b.Fatal(err)
					}
					d := time.Since(t0)
					latencies[i] = append(latencies[i], d)
					totals[i] += d
					for _, f := range resp.Responses["A"].Frames {
						bytes[i] += len(f)
					}
				}
			}
			group := "QueryData " + size.label + " points"
			target := 0.0
			if size.rows*size.series >= 10_000 {
				target = 1.5
			}
			for i, bp := range benchPlugins {
				points := float64(size.rows*size.series*size.iterations) / totals[i].Seconds()
				record(group, "throughput", "points/s", true, target, bp.name, points)
				record(group, "latency p50", "ms", false, 0, bp.name, ms(percentile(latencies[i], 0.50)))
				record(group, "latency p99", "ms", false, 0, bp.name, ms(percentile(latencies[i], 0.99)))
				record(group, "response size", "bytes", false, 0, bp.name, float64(bytes[i]/size.iterations))
				b.ReportMetric(points, bp.name+"-points/s")
			}
		})
	}
}

// BenchmarkStream subscribes N channels (one series at 10 ms each, 20 packets/s per channel on
// both plugins) through the Live emulator and measures points/s delivered, push latency
// (newest sample time in a packet to its arrival at the host) and RSS.
func BenchmarkStream(b *testing.B) {
	const measureFor = 3 * time.Second
	for _, channels := range []int{1, 100, 1000} {
		for _, bp := range benchPlugins {
			b.Run(fmt.Sprintf("channels=%d/%s", channels, bp.name), func(b *testing.B) {
				p := bp.launch(b)
				meter := newStreamMeter()
				live := subscribeStreams(b, p, pluginContext(benchSettings), channels, meter)
				defer live.Close()
				time.Sleep(time.Second) // let every RunStream settle before the window (warm-up, not a test race)
				got, lats, _ := meter.window(measureFor)
				rss, _ := harness.RSSBytes(p.PID())

				group := fmt.Sprintf("Stream %d channels", channels)
				rate := float64(got) / measureFor.Seconds()
				expected := float64(channels) * 100
				tp := 0.0
				if channels == 100 {
					tp = 1.0
				}
				record(group, "points/s", "points/s", true, tp, bp.name, rate)
				record(group, "delivered/expected", "ratio", true, 0, bp.name, rate/expected)
				record(group, "push latency p50", "ms", false, 0, bp.name, ms(percentile(lats, 0.5)))
				record(group, "push latency p99", "ms", false, 1.5, bp.name, ms(percentile(lats, 0.99)))
				record(group, "RSS", "MiB", false, 0, bp.name, float64(rss)/(1<<20))
				b.ReportMetric(rate, "points/s")
				b.ReportMetric(ms(percentile(lats, 0.99)), "p99-ms")
			})
		}
	}
}

// stormSizes is the storm's mix of points per query; bench/isolation.bench.ts sends the same mix.
var stormSizes = []int{1, 100, 1_000, 10_000, 100_000}

const stormCallers = 50

// BenchmarkStreamStorm runs 100 channels as BenchmarkStream does, measures them idle, then again
// while 50 concurrent callers send QueryData of mixed sizes (1 to 100k points, Arrow) without pause:
// does a QueryData storm slow the streams down? Also the storm's own throughput and the peak RSS.
func BenchmarkStreamStorm(b *testing.B) {
	const channels = 100
	const idleFor, stormFor = 3 * time.Second, 5 * time.Second
	for _, bp := range benchPlugins {
		b.Run(bp.name, func(b *testing.B) {
			p := bp.launch(b)
			pc := pluginContext(benchSettings)
			meter := newStreamMeter()
			live := subscribeStreams(b, p, pc, channels, meter)
			defer live.Close()
			time.Sleep(time.Second) // let every RunStream settle before the window (warm-up, not a test race)
			_, idleLats, idleGap := meter.window(idleFor)

			// The storm covers the whole window, grace included, so every packet counted was sent under it.
			stormEnd := time.Now().Add(stormFor + streamGrace + 20*time.Millisecond)
			cpuBefore, _ := harness.CPUTime(p.PID())
			var storm stormResult
			done := make(chan struct{})
			go func() { storm = runStorm(ctxTimeout(b, 2*time.Minute), p, pc, stormEnd); close(done) }()
			got, stormLats, stormGap := meter.window(stormFor)
			<-done
			cpuAfter, _ := harness.CPUTime(p.PID())
			peak, _ := harness.PeakRSSBytes(p.PID())

			group := fmt.Sprintf("Stream %d ch + QueryData storm", channels)
			rate := float64(got) / stormFor.Seconds()
			record(group, "push latency p99, idle", "ms", false, 0, bp.name, ms(percentile(idleLats, 0.99)))
			record(group, "push latency p50, storm", "ms", false, 0, bp.name, ms(percentile(stormLats, 0.5)))
			record(group, "push latency p99, storm", "ms", false, 1.0, bp.name, ms(percentile(stormLats, 0.99)))
			record(group, "longest gap, idle", "ms", false, 0, bp.name, ms(idleGap))
			record(group, "longest gap, storm", "ms", false, 0, bp.name, ms(stormGap))
			record(group, "delivered/expected, storm", "ratio", true, 0, bp.name, rate/(float64(channels)*100))
			record(group, "QueryData in storm", "points/s", true, 0, bp.name, float64(storm.points)/storm.elapsed.Seconds())
			record(group, "QueryData calls failed", "calls", false, 0, bp.name, float64(storm.failed))
			// How much of the 2-core machine the plugin took: Go runs QueryData on every core, Node's
			// event loop on one; the Live emulator and the callers share what is left.
			record(group, "plugin CPU, storm", "%core", false, 0, bp.name, 100*(cpuAfter-cpuBefore).Seconds()/storm.elapsed.Seconds())
			record(group, "peak RSS", "MiB", false, 0, bp.name, float64(peak)/(1<<20))
			b.ReportMetric(ms(percentile(stormLats, 0.99)), "storm-p99-ms")
		})
	}
}

type stormResult struct {
	points, calls, failed int64
	elapsed               time.Duration
}

// runStorm keeps stormCallers QueryData calls in flight until `until`; each caller cycles through
// stormSizes from its own starting point, so every size is always in flight. Points are counted
// for answers that carry frames and no error.
func runStorm(ctx context.Context, p *harness.Plugin, pc *pluginv2.PluginContext, until time.Time) stormResult {
	var points, calls, failed atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	for i := range stormCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := i; time.Now().Before(until); k++ {
				size := stormSizes[k%len(stormSizes)]
				resp, err := p.Data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pc, Queries: []*pluginv2.DataQuery{historyQuery(size)}})
				calls.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				if r := resp.Responses["A"]; r != nil && r.Error == "" && len(r.Frames) > 0 {
					points.Add(int64(size))
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return stormResult{points: points.Load(), calls: calls.Load(), failed: failed.Load(), elapsed: time.Since(started)}
}

// historyQuery asks for exactly `points` points of a sine on a fixed aligned range (100k points and
// more as 10 series, as BenchmarkQueryData's 1M).
func historyQuery(points int) *pluginv2.DataQuery {
	series := 1
	if points >= 100_000 {
		series = 10
	}
	rows := points / series
	q := tributaryQuery{RefID: "A", Signal: "sine", SeriesCount: series, SampleIntervalMs: 10, Amplitude: 10, PeriodMs: 10_000}
	to := time.UnixMilli(1_700_000_000_000)
	from := to.Add(-time.Duration(rows-1) * 10 * time.Millisecond)
	return dataQuery(q, from, to, int64(rows))
}

// subscribeStreams asks for `channels` streaming queries (one series at 10 ms each), subscribes every
// channel through the Live emulator and hands its packets to the meter.
func subscribeStreams(b *testing.B, p *harness.Plugin, pc *pluginv2.PluginContext, channels int, meter *streamMeter) *harness.Live {
	queries := make([]tributaryQuery, channels)
	for i := range queries {
		queries[i] = tributaryQuery{RefID: fmt.Sprintf("S%d", i), Signal: "sine", SeriesCount: 1, SampleIntervalMs: 10, Amplitude: 10, Offset: float64(i), PeriodMs: 10_000}
	}
	live := harness.NewLive(p, pc)
	for _, path := range channelPaths(b, p, pc, queries) {
		res, _, err := live.Subscribe(ctxTimeout(b, 30*time.Second), path)
		if err != nil || res.Status != pluginv2.SubscribeStreamResponse_OK {
			live.Close()
			b.Fatalf("subscribe %s: status=%v err=%v", path, res, err)
		}
		if ch := live.Channel(path); ch != nil {
			ch.OnPacket = meter.onPacket(path)
		}
	}
	return live
}

// streamGrace is how long after a window's end a packet with a sample inside it may still arrive.
const streamGrace = 250 * time.Millisecond

// streamMeter times the packets of many channels over measurement windows. Points are counted by
// sample time: every sample due in [start, end) that arrived by end + streamGrace, so a plugin that
// keeps up delivers exactly 100 points/s per channel and one that falls behind delivers fewer.
// Latency is taken for packets whose newest sample is in the window; the longest gap is the longest
// time between two packets of one channel, both arriving inside the window.
type streamMeter struct {
	mu             sync.Mutex
	opened         time.Time
	startMs, endMs float64
	deadline       time.Time
	points         int
	latencies      []time.Duration
	longestGap     time.Duration
	last           map[string]time.Time
}

func newStreamMeter() *streamMeter { return &streamMeter{last: map[string]time.Time{}} }

// onPacket is the LiveChannel.OnPacket callback for one channel.
func (m *streamMeter) onPacket(path string) func([]byte, time.Time) {
	return func(pkt []byte, at time.Time) {
		var msg struct {
			Data *struct {
				Values [][]float64 `json:"values"`
			} `json:"data"`
		}
		if json.Unmarshal(pkt, &msg) != nil || msg.Data == nil || len(msg.Data.Values) < 2 {
			return // schema packet or undecodable (the conformance tests catch those)
		}
		times := msg.Data.Values[0]
		if len(times) == 0 {
			return
		}
		newest := slices.Max(times)
		m.mu.Lock()
		defer m.mu.Unlock()
		prev, seen := m.last[path]
		m.last[path] = at
		if m.startMs == 0 || at.After(m.deadline) {
			return
		}
		if seen && !prev.Before(m.opened) {
			m.longestGap = max(m.longestGap, at.Sub(prev))
		}
		for _, ts := range times {
			if ts >= m.startMs && ts < m.endMs {
				m.points += len(msg.Data.Values) - 1
			}
		}
		if newest >= m.startMs && newest < m.endMs {
			m.latencies = append(m.latencies, at.Sub(time.UnixMicro(int64(newest*1000))))
		}
	}
}

// window measures for d from now (waiting out the grace) and returns the points, latencies and
// longest gap seen in it.
func (m *streamMeter) window(d time.Duration) (points int, latencies []time.Duration, longestGap time.Duration) {
	m.mu.Lock()
	start := time.Now()
	m.opened = start
	m.startMs = float64(start.UnixMilli())
	m.endMs = m.startMs + float64(d.Milliseconds())
	m.deadline = time.UnixMilli(int64(m.endMs)).Add(streamGrace)
	m.points, m.latencies, m.longestGap = 0, nil, 0
	deadline := m.deadline
	m.mu.Unlock()
	time.Sleep(time.Until(deadline) + 20*time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.points, slices.Clone(m.latencies), m.longestGap
}

// BenchmarkStartup measures exec to first successful CheckHealth (what a Grafana start waits for)
// and the idle RSS right after.
func BenchmarkStartup(b *testing.B) {
	const runs = 5
	for _, bp := range benchPlugins {
		b.Run(bp.name, func(b *testing.B) {
			var times []time.Duration
			var rss int64
			for i := 0; i < runs; i++ {
				start := time.Now()
				p := bp.launch(b)
				_, err := p.Diagnostics.CheckHealth(ctxTimeout(b, 30*time.Second), &pluginv2.CheckHealthRequest{PluginContext: pluginContext(benchSettings)})
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				rss, _ = harness.RSSBytes(p.PID())
				p.Kill()
			}
			record("Start-up", "to first CheckHealth p50", "ms", false, 0, bp.name, ms(percentile(times, 0.5)))
			record("Start-up", "idle RSS", "MiB", false, 0, bp.name, float64(rss)/(1<<20))
			b.ReportMetric(ms(percentile(times, 0.5)), "startup-ms")
		})
	}
}

func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	idx := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(idx, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
