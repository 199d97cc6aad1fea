// Package tributary is the Go yardstick's copy of the Tributary datasource logic (query model
// and validation, settings, signal math, history window, channel path codec, stream source).
// It follows src/shared/{query,settings,validation}.ts and backend/src/datasource/*.ts step by
// step so that both plugins do exactly the same work.
package tributary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SignalKinds mirrors SIGNAL_KINDS; Periodic mirrors SIGNALS[].periodic.
var (
	SignalKinds = []string{"random-walk", "sine", "square", "sawtooth", "counter"}
	Periodic    = map[string]bool{"sine": true, "square": true, "sawtooth": true}
)

// NumericRange mirrors NumericRange.
type NumericRange struct {
	Min, Max float64
	Integer  bool
}

// numericKeys in the order of QUERY_RANGES (validation reports the first bad one).
var numericKeys = []string{"seriesCount", "sampleIntervalMs", "amplitude", "offset", "periodMs"}

// QueryRanges mirrors QUERY_RANGES.
var QueryRanges = map[string]NumericRange{
	"seriesCount":      {1, 100, true},
	"sampleIntervalMs": {10, 3_600_000, true},
	"amplitude":        {0, 1e9, false},
	"offset":           {-1e9, 1e9, false},
	"periodMs":         {100, 86_400_000, true},
}

// defaultNumbers and the other defaults mirror DEFAULT_QUERY.
var defaultNumbers = map[string]float64{"seriesCount": 3, "sampleIntervalMs": 100, "amplitude": 10, "offset": 0, "periodMs": 10_000}

const (
	defaultSignal        = "sine"
	defaultWithStreaming = true
	MaxAliasLength       = 100
)

// Query is a validated query with every default filled in (NormalizedQuery).
type Query struct {
	RefID         string
	WithStreaming bool
	StreamQuery
}

// RangeError mirrors rangeError / settingRangeError.
func RangeError(key string, value float64, r NumericRange) string {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return key + " must be a finite number"
	}
	if r.Integer && value != math.Trunc(value) {
		return key + " must be a whole number"
	}
	if value < r.Min || value > r.Max {
		return fmt.Sprintf("%s must be between %s and %s", key, JSNumber(r.Min), JSNumber(r.Max))
	}
	return ""
}

func IsSignalKind(v any) bool {
	s, ok := v.(string)
	return ok && slices.Contains(SignalKinds, s)
}

// QueryProblem mirrors QueryProblem.
type QueryProblem struct {
	Field          string
	Message        string
	BeyondSettings bool
}

var numberText = regexp.MustCompile(`^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$`)

func readNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		if numberText.MatchString(x) {
			n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil && !isRangeErr(err) {
				return 0, false
			}
			return n, true
		}
	}
	return 0, false
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	if e, ok := err.(*strconv.NumError); ok {
		ne = e
	}
	return ne != nil && ne.Err == strconv.ErrRange
}

func isMissing(v any) bool { return v == nil || v == "" }

// describe mirrors describe(): JSON.stringify, cut to 40 characters.
func describe(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	text := "undefined"
	if err := enc.Encode(v); err == nil {
		text = strings.TrimSuffix(buf.String(), "\n")
	}
	if len([]rune(text)) > 40 {
		return string([]rune(text)[:37]) + "..."
	}
	return text
}

// QueryRangesFor mirrors queryRangesFor: the absolute ranges narrowed by the settings.
func QueryRangesFor(s Settings) map[string]NumericRange {
	out := map[string]NumericRange{}
	for k, v := range QueryRanges {
		out[k] = v
	}
	sc := out["seriesCount"]
	sc.Max = math.Min(sc.Max, s.MaxSeries)
	out["seriesCount"] = sc
	iv := out["sampleIntervalMs"]
	iv.Min = math.Max(iv.Min, s.MinIntervalMs)
	out["sampleIntervalMs"] = iv
	return out
}

// ValidateQuery mirrors validateQuery for an already JSON-decoded model.
func ValidateQuery(raw any, s Settings) (Query, *QueryProblem) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return Query{}, &QueryProblem{Field: "query", Message: "the query must be a JSON object"}
	}
	fail := func(field, msg string, beyond bool) (Query, *QueryProblem) {
		return Query{}, &QueryProblem{Field: field, Message: msg, BeyondSettings: beyond}
	}
	signal := obj["signal"]
	if isMissing(signal) {
		signal = defaultSignal
	}
	if !IsSignalKind(signal) {
		return fail("signal", fmt.Sprintf("signal must be one of %s (got %s)", strings.Join(SignalKinds, ", "), describeField(obj, "signal")), false)
	}
	narrowed := QueryRangesFor(s)
	numbers := map[string]float64{}
	for _, key := range numericKeys {
		given, present := obj[key]
		var value float64
		if isMissing(given) {
			value = defaultNumbers[key]
		} else if v, ok := readNumber(given); ok {
			value = v
		} else {
			return fail(key, fmt.Sprintf("%s must be a number (got %s)", key, describeValue(given, present)), false)
		}
		if msg := RangeError(key, value, QueryRanges[key]); msg != "" {
			return fail(key, fmt.Sprintf("%s (got %s)", msg, describeValue(given, present)), false)
		}
		if msg := RangeError(key, value, narrowed[key]); msg != "" {
			return fail(key, fmt.Sprintf("%s: this datasource's settings allow no more (got %s)", msg, describeValue(given, present)), true)
		}
		if value == 0 {
			value = 0 // fold -0
		}
		numbers[key] = value
	}
	withStreaming := obj["withStreaming"]
	if isMissing(withStreaming) {
		withStreaming = defaultWithStreaming
	}
	ws, ok := withStreaming.(bool)
	if !ok {
		return fail("withStreaming", fmt.Sprintf("withStreaming must be true or false (got %s)", describeField(obj, "withStreaming")), false)
	}
	alias := obj["alias"]
	if isMissing(alias) {
		alias = ""
	}
	aliasText, ok := alias.(string)
	if !ok {
		return fail("alias", fmt.Sprintf("alias must be text (got %s)", describeField(obj, "alias")), false)
	}
	if n := len(utf16Units(aliasText)); n > MaxAliasLength {
		return fail("alias", fmt.Sprintf("alias must be at most %d characters (got %d)", MaxAliasLength, n), false)
	}
	refID, _ := obj["refId"].(string)
	return Query{
		RefID:         refID,
		WithStreaming: ws,
		StreamQuery: StreamQuery{
			Signal:           signal.(string),
			SeriesCount:      int(numbers["seriesCount"]),
			SampleIntervalMs: numbers["sampleIntervalMs"],
			Amplitude:        numbers["amplitude"],
			Offset:           numbers["offset"],
			PeriodMs:         numbers["periodMs"],
			Alias:            strings.TrimSpace(aliasText),
		},
	}, nil
}

func describeField(obj map[string]any, key string) string {
	v, present := obj[key]
	return describeValue(v, present)
}

func describeValue(v any, present bool) string {
	if !present {
		return "undefined"
	}
	return describe(v)
}
