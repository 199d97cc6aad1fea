package tributary

import "math"

// Signal generators, ported from signals.ts: a value depends only on (datasource uid, signal
// parameters, series index, step), step = time / sampleIntervalMs. float64() conversions stop the
// compiler from fusing multiply-adds, so the rounding matches JavaScript's.

// StreamQuery is the part of a query a stream depends on.
type StreamQuery struct {
	Signal           string
	SeriesCount      int
	SampleIntervalMs float64
	Amplitude        float64
	Offset           float64
	PeriodMs         float64
	Alias            string
}

func phase(timeMs, periodMs, shift float64) float64 {
	within := math.Mod(math.Mod(timeMs, periodMs)+periodMs, periodMs) / periodMs
	shifted := within + shift
	if shifted >= 1 {
		return shifted - 1
	}
	return shifted
}

type seriesFunc func(step float64) float64

func newSeriesFunc(q StreamQuery, seed uint32, series int) seriesFunc {
	shift := float64(series) / float64(q.SeriesCount)
	a, o, iv, p := q.Amplitude, q.Offset, q.SampleIntervalMs, q.PeriodMs
	switch q.Signal {
	case "sine":
		return func(step float64) float64 {
			return o + float64(a*math.Sin(float64(2*math.Pi*phase(float64(step*iv), p, shift))))
		}
	case "square":
		return func(step float64) float64 {
			if phase(float64(step*iv), p, shift) < 0.5 {
				return o + a
			}
			return o - a
		}
	case "sawtooth":
		return func(step float64) float64 {
			return (o - a) + float64(float64(2*a)*phase(float64(step*iv), p, shift))
		}
	case "counter":
		return func(step float64) float64 {
			return o + float64(float64(a*float64(series+1))*step)
		}
	default: // random-walk
		cursor := NewWalkCursor(seed ^ uint32(series+1)*0x9e3779b1)
		return func(step float64) float64 { return o + float64(a*cursor.ValueAt(step)) }
	}
}

// Generator produces every series of one query.
type Generator struct {
	series []seriesFunc
}

func NewGenerator(q StreamQuery, datasourceUID string) *Generator {
	seed := HashString(datasourceUID)
	g := &Generator{}
	for i := 0; i < q.SeriesCount; i++ {
		g.series = append(g.series, newSeriesFunc(q, seed, i))
	}
	return g
}

// Columns returns one column per series for rows consecutive steps from firstStep.
func (g *Generator) Columns(firstStep float64, rows int) [][]float64 {
	out := make([][]float64, len(g.series))
	for s, fn := range g.series {
		col := make([]float64, rows)
		for r := 0; r < rows; r++ {
			col[r] = fn(firstStep + float64(r))
		}
		out[s] = col
	}
	return out
}
