package main

import (
	"encoding/json"
	"math"
	"os"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// The "JS Min/Max" rows: the largest integer a JavaScript number holds exactly.
const jsSafe = 1<<53 - 1

func ptr[T any](v T) *T { return &v }

// withNull returns pointers to the values, with the third row (index 2) set to nil: every nullable
// column of the all-types frame has its null there.
func withNull[T any](values ...T) []*T {
	out := make([]*T, len(values))
	for i := range values {
		if i != 2 {
			out[i] = ptr(values[i])
		}
	}
	return out
}

// allTypesFrame is a five-row frame with every SDK field type in a plain and a nullable form, at
// the edge values of each type (int64/uint64 beyond 2^53, float32 denormals, NaN and ±Inf, time at
// nanosecond precision), with labels, field config and frame meta.
func allTypesFrame() *data.Frame {
	nan, inf, negInf := math.NaN(), math.Inf(1), math.Inf(-1)
	f32nan, f32inf, f32negInf := float32(nan), float32(inf), float32(negInf)
	times := []time.Time{
		time.Unix(0, 0).UTC(),
		time.UnixMilli(1568039445000).UTC(),
		time.UnixMilli(1568039450000).UTC(),
		time.Unix(0, jsSafe).UTC(),
		time.Unix(0, math.MaxInt64).UTC(),
	}
	jsonCells := []json.RawMessage{
		json.RawMessage(`{"a":1}`), json.RawMessage(`[1,2,3]`), json.RawMessage(`{"b":2}`),
		json.RawMessage(`[{"c":3},{"d":4}]`), json.RawMessage(`{"e":{"f":5}}`),
	}

	fields := []*data.Field{
		data.NewField("string_values", data.Labels{"aLabelKey": "aLabelValue"},
			[]string{"Go Min", "JS Min (for >= 64)", "0 / nil / misc", "JS Max (for >= 64)", "Go Max"}).
			SetConfig(&data.FieldConfig{}),
		data.NewField("nullable_string_values", data.Labels{"aLabelKey": "aLabelValue", "bLabelKey": "bLabelValue"},
			withNull("Grafana", "❤️", "", "🦥", "update your unicode/font if no sloth, is 2019.")).
			SetConfig(&data.FieldConfig{
				DisplayName: "Grafana ❤️ (Previous should be heart emoji) 🦥 (Previous should be sloth emoji)",
				Filterable:  ptr(false),
				Decimals:    ptr(uint16(2)),
				Min:         ptr(data.ConfFloat64(nan)),
				Max:         ptr(data.ConfFloat64(inf)),
				Links: []data.DataLink{{
					Title:       "Donate - The Sloth Conservation Foundation",
					TargetBlank: true,
					URL:         "https://slothconservation.com/how-to-help/donate/",
				}},
				NoValue: "😤",
			}),
		data.NewField("int8_values", nil, []int8{math.MinInt8, math.MinInt8, 0, math.MaxInt8, math.MaxInt8}).
			SetConfig(&data.FieldConfig{Min: ptr(data.ConfFloat64(0)), Max: ptr(data.ConfFloat64(1))}),
		data.NewField("nullable_int8_values", nil, withNull[int8](math.MinInt8, math.MinInt8, 0, math.MaxInt8, math.MaxInt8)),
		data.NewField("int16_values", nil, []int16{math.MinInt16, math.MinInt16, 0, math.MaxInt16, math.MaxInt16}),
		data.NewField("nullable_int16_values", nil, withNull[int16](math.MinInt16, math.MinInt16, 0, math.MaxInt16, math.MaxInt16)),
		data.NewField("int32_values", nil, []int32{math.MinInt32, math.MinInt32, 1, math.MaxInt32, math.MaxInt32}),
		data.NewField("nullable_int32_values", nil, withNull[int32](math.MinInt32, math.MinInt32, 0, math.MaxInt32, math.MaxInt32)),
		data.NewField("int64_values", nil, []int64{math.MinInt64, -jsSafe, 1, jsSafe, math.MaxInt64}),
		data.NewField("nullable_int64_values", nil, withNull[int64](math.MinInt64, -jsSafe, 0, jsSafe, math.MaxInt64)),
		data.NewField("uint8_values", nil, []uint8{0, 0, 1, math.MaxUint8, math.MaxUint8}),
		data.NewField("nullable_uint8_values", nil, withNull[uint8](0, 0, 0, math.MaxUint8, math.MaxUint8)),
		data.NewField("uint16_values", nil, []uint16{0, 0, 1, math.MaxUint16, math.MaxUint16}),
		data.NewField("nullable_uint16_values", nil, withNull[uint16](0, 0, 0, math.MaxUint16, math.MaxUint16)),
		data.NewField("uint32_values", nil, []uint32{0, 0, 1, math.MaxUint32, math.MaxUint32}),
		data.NewField("nullable_uint32_values", nil, withNull[uint32](0, 0, 0, math.MaxUint32, math.MaxUint32)),
		data.NewField("uint64_values", nil, []uint64{0, 0, 1, jsSafe, math.MaxUint64}),
		data.NewField("nullable_uint64_values", nil, withNull[uint64](0, 0, 0, jsSafe, math.MaxUint64)),
		data.NewField("float32_values", nil, []float32{math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32, 1, math.MaxFloat32, math.MaxFloat32}),
		data.NewField("nullable_float32_values", nil, withNull[float32](math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32, 0, math.MaxFloat32, math.MaxFloat32)),
		data.NewField("float32_values_nans", nil, []float32{f32nan, f32inf, 1, f32negInf, 0}),
		data.NewField("nullable_float32_values_nans", nil, withNull(f32inf, f32nan, 0, f32negInf, 0)),
		data.NewField("float64_values", nil, []float64{math.SmallestNonzeroFloat64, -jsSafe, 1, jsSafe, math.MaxFloat64}),
		data.NewField("float64_nans", nil, []float64{negInf, nan, 0, nan, inf}),
		data.NewField("nullable_float64_values", nil, withNull(math.SmallestNonzeroFloat64, -jsSafe, 0, math.MaxFloat64, jsSafe)),
		data.NewField("nullable_float64_values_nans", nil, withNull(negInf, 0, 0, nan, inf)),
		data.NewField("bool_values", nil, []bool{true, false, true, true, false}),
		data.NewField("nullable_bool_values", nil, withNull(true, false, false, true, false)),
		data.NewField("timestamps", nil, times).SetConfig(&data.FieldConfig{Interval: 1000}),
		data.NewField("timestamps", nil, append([]time.Time(nil), times...)),
		data.NewField("nullable_timestamps", nil, withNull(times...)),
		data.NewField("json", nil, jsonCells),
		data.NewField("nullable_json", nil, withNull(jsonCells...)),
		data.NewField("enum", nil, []data.EnumItemIndex{1, 2, 2, 1, 1}).
			SetConfig(&data.FieldConfig{TypeConfig: &data.FieldTypeConfig{Enum: &data.EnumFieldConfig{Text: []string{"", "ONE", "TWO", "THREE"}}}}),
		data.NewField("nullable_enum", nil, withNull[data.EnumItemIndex](1, 2, 0, 3, 0)),
	}

	frame := data.NewFrame("many_types", fields...).SetMeta(&data.FrameMeta{
		Custom:              map[string]any{"Hi": "there"},
		Stats:               []data.QueryStat{{FieldConfig: data.FieldConfig{DisplayName: "sample"}, Value: 1.234}},
		Channel:             "sample/channel/name",
		ExecutedQueryString: "SELECT * FROM table",
	})
	frame.RefID = "A"
	return frame
}

// writeAllTypes writes the all-types frame as an Arrow IPC file and as frame JSON (schema and data).
func writeAllTypes(arrowPath, jsonPath string) error {
	frame := allTypesFrame()
	arrowBytes, err := frame.MarshalArrow()
	if err != nil {
		return err
	}
	jsonBytes, err := data.FrameToJSON(frame, data.IncludeAll)
	if err != nil {
		return err
	}
	if err := os.WriteFile(arrowPath, arrowBytes, 0o644); err != nil {
		return err
	}
	return os.WriteFile(jsonPath, jsonBytes, 0o644)
}
