package harness

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// The comparison must report what differs with field, expected and actual, down to nanoseconds.
func TestCompareFramesReportsEachDifference(t *testing.T) {
	base := time.UnixMilli(1_700_000_000_000)
	mk := func(ns int64, v float64, label string, channel string) *data.Frame {
		f := data.NewFrame("", data.NewField("time", nil, []time.Time{base, base.Add(time.Duration(ns))}),
			data.NewField("v", data.Labels{"series": label}, []float64{1, v}))
		f.RefID = "A"
		f.Meta = &data.FrameMeta{Channel: channel}
		return f
	}
	same := CompareFrames("f", mk(100, 2, "a", "ds/x/p"), mk(100, 2, "a", "ds/x/p"), CompareOptions{})
	if len(same) != 0 {
		t.Fatalf("identical frames: expected no mismatch, actual %v", same)
	}
	got := CompareFrames("f", mk(100, 2, "a", "ds/x/p"), mk(101, 2.5, "b", "ds/x/q"), CompareOptions{})
	var text []string
	for _, m := range got {
		text = append(text, m.String())
	}
	joined := strings.Join(text, "\n")
	for _, want := range []string{
		`f.meta: expected {"typeVersion":[0,0],"channel":"ds/x/p"}, actual {"typeVersion":[0,0],"channel":"ds/x/q"}`,
		`f.fields[0](time)[1]: expected 2023-11-14T22:13:20.0000001Z (1700000000000000100 ns), actual 2023-11-14T22:13:20.000000101Z (1700000000000000101 ns)`,
		`f.fields[1].labels: expected series=a, actual series=b`,
		`f.fields[1](v)[1]: expected 2, actual 2.5`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("expected a mismatch line %q, actual lines:\n%s", want, joined)
		}
	}
	if tol := CompareFrames("f", mk(100, 2, "a", ""), mk(100, 2+1e-13, "a", ""), CompareOptions{FloatRel: 1e-12}); len(tol) != 0 {
		t.Errorf("within tolerance: expected no mismatch, actual %v", tol)
	}
}
