package tributary

import "math"

// MaxPointsPerFrame mirrors MAX_POINTS_PER_FRAME (src/shared/validation.ts).
const MaxPointsPerFrame = 1_000_000

// HistoryWindow mirrors history.ts: steps in [from, to], at most maxDataPoints rows and
// MaxPointsPerFrame points, most recent kept.
type HistoryWindow struct {
	FirstStep      float64
	Rows           int
	OmittedRows    int
	CappedByPoints bool
}

func History(fromMs, toMs, sampleIntervalMs float64, maxDataPoints int64, seriesCount int) HistoryWindow {
	lastStep := math.Floor(toMs / sampleIntervalMs)
	firstInRange := math.Ceil(fromMs / sampleIntervalMs)
	available := math.Max(0, lastStep-firstInRange+1)
	pointsCap := math.Max(1, math.Floor(MaxPointsPerFrame/float64(seriesCount)))
	askedCap := math.Inf(1)
	if maxDataPoints > 0 {
		askedCap = float64(maxDataPoints)
	}
	rows := math.Min(available, math.Min(askedCap, pointsCap))
	return HistoryWindow{
		FirstStep:      lastStep - rows + 1,
		Rows:           int(rows),
		OmittedRows:    int(available - rows),
		CappedByPoints: available > pointsCap && pointsCap < askedCap,
	}
}
