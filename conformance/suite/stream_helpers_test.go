package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/tributary/conformance/harness"
)

// queryFrames runs QueryData and decodes every response with the SDK, as Grafana does.
func queryFrames(ctx context.Context, p *harness.Plugin, pc *pluginv2.PluginContext, format pluginv2.DataFrameFormat, queries ...*pluginv2.DataQuery) (*pluginv2.QueryDataResponse, *backend.QueryDataResponse, error) {
	raw, err := p.Data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pc, Queries: queries, Format: format})
	if err != nil {
		return nil, nil, fmt.Errorf("QueryData: %w", err)
	}
	decoded, err := backend.FromProto().QueryDataResponse(raw)
	if err != nil {
		return raw, nil, fmt.Errorf("SDK could not decode the QueryData response: %w", err)
	}
	return raw, decoded, nil
}

// channelPaths asks QueryData for the live channel of each query and returns the path part
// (what Grafana passes to SubscribeStream/RunStream after parsing ds/<uid>/<path>).
func channelPaths(t testing.TB, p *harness.Plugin, pc *pluginv2.PluginContext, queries []tributaryQuery) []string {
	t.Helper()
	now := time.Now()
	var dqs []*pluginv2.DataQuery
	for _, q := range queries {
		q.WithStreaming = true
		dqs = append(dqs, dataQuery(q, now.Add(-time.Second), now, 10))
	}
	_, resp, err := queryFrames(ctxTimeout(t, 60*time.Second), p, pc, pluginv2.DataFrameFormat_ARROW, dqs...)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(queries))
	for i, q := range queries {
		r, ok := resp.Responses[q.RefID]
		if !ok || r.Error != nil || len(r.Frames) == 0 {
			t.Fatalf("QueryData %s: expected a frame, actual error=%v frames=%d", q.RefID, r.Error, len(r.Frames))
		}
		path, err := channelPath(r.Frames[0])
		if err != nil {
			t.Fatalf("QueryData %s: %v", q.RefID, err)
		}
		out[i] = path
	}
	return out
}

func channelPath(f *data.Frame) (string, error) {
	if f.Meta == nil || f.Meta.Channel == "" {
		return "", fmt.Errorf("frame %q has no meta.channel", f.Name)
	}
	prefix := "ds/" + datasourceUID + "/"
	if !strings.HasPrefix(f.Meta.Channel, prefix) {
		return "", fmt.Errorf("meta.channel: expected prefix %q, actual %q", prefix, f.Meta.Channel)
	}
	return strings.TrimPrefix(f.Meta.Channel, prefix), nil
}
