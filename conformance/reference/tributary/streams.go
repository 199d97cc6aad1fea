package tributary

import (
	"context"
	"math"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// MaxPointsPerPacket mirrors MAX_POINTS_PER_PACKET (streams.ts).
const MaxPointsPerPacket = 10_000

// StepRange is a batch: consecutive steps [First, First+Count).
type StepRange struct {
	First float64
	Count int
}

// SignalSource mirrors SignalChannelSource: wakes on multiples of `stride` steps from the epoch
// and emits the steps that became due; the hub coalesces them into packets.
type SignalSource struct {
	query    StreamQuery
	stride   float64
	maxRows  float64
	names    []string
	gen      *Generator
	lastStep float64
	started  bool
	// OnSkipped counts points skipped after a stall.
	OnSkipped func(points int)
}

func NewSignalSource(q StreamQuery, datasourceUID string, maxPacketsPerSecond float64) *SignalSource {
	stride := math.Max(1, math.Ceil(1000/maxPacketsPerSecond/q.SampleIntervalMs))
	return &SignalSource{
		query:   q,
		stride:  stride,
		maxRows: math.Max(stride, math.Floor(MaxPointsPerPacket/float64(q.SeriesCount))),
		names:   SeriesNames(q),
		gen:     NewGenerator(q, datasourceUID),
	}
}

func (s *SignalSource) SchemaPacket() (Packet, bool) {
	b, err := data.FrameToJSON(SignalFrame(s.names, s.query.SampleIntervalMs, s.gen, 0, 0), data.IncludeSchemaOnly)
	if err != nil {
		return Packet{}, false
	}
	return Packet{Bytes: b}, true
}

// Encode merges contiguous batches into one data-only packet. It runs under the hub channel's
// lock, so the generator (which keeps a random-walk cursor) is never used concurrently.
func (s *SignalSource) Encode(batches []StepRange) (Packet, error) {
	first := batches[0].First
	last := batches[len(batches)-1]
	rows := int(last.First + float64(last.Count) - first)
	b, err := data.FrameToJSON(SignalFrame(s.names, s.query.SampleIntervalMs, s.gen, first, rows), data.IncludeDataOnly)
	if err != nil {
		return Packet{}, err
	}
	return Packet{Bytes: b, Points: rows * s.query.SeriesCount}, nil
}

func nowMs() float64 { return float64(time.Now().UnixMilli()) }

// untilMs is the time left until an absolute epoch-millisecond deadline. Timers aim at the
// deadline itself (as libuv's millisecond timers effectively do), not at now + a rounded delay,
// which would let packet times creep later by up to 1 ms per packet.
func untilMs(deadline float64) time.Duration {
	return time.Duration(deadline*float64(time.Millisecond) - float64(time.Now().UnixNano()))
}

func (s *SignalSource) Run(ctx context.Context, emit func(StepRange)) error {
	iv := s.query.SampleIntervalMs
	if !s.started {
		s.started = true
		s.lastStep = math.Floor(nowMs() / iv)
	}
	for {
		wakeStep := (math.Floor(s.lastStep/s.stride) + 1) * s.stride
		timer := time.NewTimer(max(untilMs(wakeStep*iv), 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		dueStep := math.Floor(nowMs() / iv)
		if dueStep < s.lastStep-s.maxRows {
			s.lastStep = dueStep
		} else if dueStep >= wakeStep {
			first := s.lastStep + 1
			count := dueStep - s.lastStep
			if count > s.maxRows {
				if s.OnSkipped != nil {
					s.OnSkipped(int(count-s.maxRows) * s.query.SeriesCount)
				}
				first = dueStep - s.maxRows + 1
				count = s.maxRows
			}
			s.lastStep = dueStep
			emit(StepRange{First: first, Count: int(count)})
		}
	}
}
