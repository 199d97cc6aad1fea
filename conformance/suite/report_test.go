package suite

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// benchFigure is one measured quantity for both plugins, printed with the ratio Tributary/Go.
type benchFigure struct {
	order        int
	group        string
	metric       string
	unit         string
	higherBetter bool
	// target is the ratio Tributary/Go we aim for (0 = none), e.g. >= 0.8 throughput, <= 1.5 latency.
	target    float64
	tributary *float64
	reference *float64
}

var (
	benchMu      sync.Mutex
	benchFigures = map[string]*benchFigure{}
)

const (
	tributaryName = "tributary"
	referenceName = "go"
)

// record stores a figure for one plugin ("tributary" or "go").
func record(group, metric, unit string, higherBetter bool, target float64, which string, value float64) {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := group + "|" + metric
	f, ok := benchFigures[key]
	if !ok {
		f = &benchFigure{order: len(benchFigures), group: group, metric: metric, unit: unit, higherBetter: higherBetter, target: target}
		benchFigures[key] = f
	}
	v := value
	if which == tributaryName {
		f.tributary = &v
	} else {
		f.reference = &v
	}
}

func printBenchReport() {
	benchMu.Lock()
	defer benchMu.Unlock()
	if len(benchFigures) == 0 {
		return
	}
	list := make([]*benchFigure, 0, len(benchFigures))
	for _, f := range benchFigures {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })
	var sb strings.Builder
	sb.WriteString("\n=== Tributary (TypeScript) vs Go SDK reference, same go-plugin client, same run ===\n")
	fmt.Fprintf(&sb, "%-34s %-26s %16s %16s %9s  %s\n", "benchmark", "figure", "Tributary", "Go", "T/Go", "target")
	for _, f := range list {
		fmt.Fprintf(&sb, "%-34s %-26s %16s %16s %9s  %s\n", f.group, f.metric+" ("+f.unit+")", num(f.tributary), num(f.reference), ratio(f), verdict(f))
	}
	fmt.Fprint(os.Stdout, sb.String())
}

func num(v *float64) string {
	if v == nil {
		return "-"
	}
	x := *v
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.3gM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.3gk", x/1e3)
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

func ratio(f *benchFigure) string {
	if f.tributary == nil || f.reference == nil || *f.reference == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", *f.tributary / *f.reference)
}

func verdict(f *benchFigure) string {
	if f.target == 0 || f.tributary == nil || f.reference == nil || *f.reference == 0 {
		return ""
	}
	r := *f.tributary / *f.reference
	if f.higherBetter {
		if r >= f.target {
			return fmt.Sprintf(">= %.1fx met", f.target)
		}
		return fmt.Sprintf(">= %.1fx MISSED", f.target)
	}
	if r <= f.target {
		return fmt.Sprintf("<= %.1fx met", f.target)
	}
	return fmt.Sprintf("<= %.1fx MISSED", f.target)
}
