package harness

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Mismatch is one difference between an expected and an actual frame.
type Mismatch struct {
	Where    string
	Expected any
	Actual   any
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s: expected %v, actual %v", m.Where, m.Expected, m.Actual)
}

// CompareOptions tune CompareFrames.
type CompareOptions struct {
	// FloatRel and FloatAbs are the tolerances for float values (Go's math.Sin/Log/Cos and V8's
	// may differ in the last bit); a value matches when within either. 0 and 0 mean exact.
	FloatRel, FloatAbs float64
	// MaxMismatches stops collecting after this many (0 = 20).
	MaxMismatches int
}

// CompareFrames compares two SDK frames field by field: name, refId, meta (incl. channel),
// field names, types, labels, config and every value (times to the nanosecond).
func CompareFrames(prefix string, expected, actual *data.Frame, opts CompareOptions) []Mismatch {
	limit := opts.MaxMismatches
	if limit == 0 {
		limit = 20
	}
	var out []Mismatch
	add := func(where string, e, a any) bool {
		out = append(out, Mismatch{Where: prefix + where, Expected: e, Actual: a})
		return len(out) < limit
	}
	if expected.Name != actual.Name {
		add(".name", q(expected.Name), q(actual.Name))
	}
	if expected.RefID != actual.RefID {
		add(".refId", q(expected.RefID), q(actual.RefID))
	}
	if em, am := jsonOf(expected.Meta), jsonOf(actual.Meta); em != am {
		add(".meta", em, am)
	}
	if len(expected.Fields) != len(actual.Fields) {
		add(".fields (count)", len(expected.Fields), len(actual.Fields))
		return out
	}
	for i := range expected.Fields {
		ef, af := expected.Fields[i], actual.Fields[i]
		fp := fmt.Sprintf(".fields[%d]", i)
		if ef.Name != af.Name {
			add(fp+".name", q(ef.Name), q(af.Name))
		}
		if ef.Type() != af.Type() {
			add(fp+".type", ef.Type(), af.Type())
			continue
		}
		if el, al := ef.Labels.String(), af.Labels.String(); el != al {
			add(fp+".labels", el, al)
		}
		if ec, ac := jsonOf(ef.Config), jsonOf(af.Config); ec != ac {
			add(fp+".config", ec, ac)
		}
		if ef.Len() != af.Len() {
			add(fp+".length", ef.Len(), af.Len())
			continue
		}
		for r := 0; r < ef.Len(); r++ {
			ev, av := ef.At(r), af.At(r)
			if !sameValue(ev, av, opts) {
				if !add(fmt.Sprintf("%s(%s)[%d]", fp, ef.Name, r), show(ev), show(av)) {
					return out
				}
			}
		}
	}
	return out
}

func sameValue(e, a any, opts CompareOptions) bool {
	switch ev := e.(type) {
	case float64:
		av, ok := a.(float64)
		return ok && floatEq(ev, av, opts)
	case *float64:
		av, ok := a.(*float64)
		if !ok || (ev == nil) != (av == nil) {
			return false
		}
		return ev == nil || floatEq(*ev, *av, opts)
	case time.Time:
		av, ok := a.(time.Time)
		return ok && ev.UnixNano() == av.UnixNano()
	case *time.Time:
		av, ok := a.(*time.Time)
		if !ok || (ev == nil) != (av == nil) {
			return false
		}
		return ev == nil || ev.UnixNano() == av.UnixNano()
	}
	return reflect.DeepEqual(e, a)
}

func floatEq(e, a float64, opts CompareOptions) bool {
	if math.IsNaN(e) || math.IsNaN(a) {
		return math.IsNaN(e) && math.IsNaN(a)
	}
	if e == a {
		return true
	}
	diff := math.Abs(e - a)
	return diff <= opts.FloatAbs || diff <= opts.FloatRel*math.Max(math.Abs(e), math.Abs(a))
}

func show(v any) any {
	switch x := v.(type) {
	case time.Time:
		return fmt.Sprintf("%s (%d ns)", x.UTC().Format(time.RFC3339Nano), x.UnixNano())
	case *time.Time:
		if x == nil {
			return "null"
		}
		return show(*x)
	case *float64:
		if x == nil {
			return "null"
		}
		return *x
	case string:
		return q(x)
	}
	return v
}

func q(s string) string { return fmt.Sprintf("%q", s) }

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}
