package tributary

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Settings mirrors TributarySettings (src/shared/settings.ts).
type Settings struct {
	MaxSeries           float64 `json:"maxSeries"`
	MinIntervalMs       float64 `json:"minIntervalMs"`
	MaxPacketsPerSecond float64 `json:"maxPacketsPerSecond"`
}

var DefaultSettings = Settings{MaxSeries: 20, MinIntervalMs: 10, MaxPacketsPerSecond: 20}

var settingKeys = []string{"maxSeries", "minIntervalMs", "maxPacketsPerSecond"}

var SettingsRanges = map[string]NumericRange{
	"maxSeries":           {1, 100, true},
	"minIntervalMs":       {10, 3_600_000, true},
	"maxPacketsPerSecond": {1, 100, true},
}

// ParseSettings mirrors validateSettings + parseSettings: defaults for missing keys, one
// fix-it message per bad value.
func ParseSettings(jsonData []byte) (Settings, error) {
	s := DefaultSettings
	var raw any = map[string]any{}
	if len(jsonData) > 0 {
		if err := json.Unmarshal(jsonData, &raw); err != nil {
			return s, fmt.Errorf("the datasource settings (jsonData) are not valid JSON: %w", err)
		}
	}
	if raw == nil {
		raw = map[string]any{}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return s, settingsError([]string{"the datasource settings (jsonData) must be a JSON object"})
	}
	var problems []string
	defaults := map[string]float64{"maxSeries": DefaultSettings.MaxSeries, "minIntervalMs": DefaultSettings.MinIntervalMs, "maxPacketsPerSecond": DefaultSettings.MaxPacketsPerSecond}
	targets := map[string]*float64{"maxSeries": &s.MaxSeries, "minIntervalMs": &s.MinIntervalMs, "maxPacketsPerSecond": &s.MaxPacketsPerSecond}
	for _, key := range settingKeys {
		given := obj[key]
		if isMissing(given) {
			continue
		}
		value, ok := readNumber(given)
		msg := ""
		if !ok {
			msg = key + " must be a number"
		} else {
			msg = RangeError(key, value, SettingsRanges[key])
		}
		if msg != "" {
			r := SettingsRanges[key]
			problems = append(problems, fmt.Sprintf("%s (got %s); set it to a value from %s to %s or clear it to use the default %s",
				msg, describe(given), JSNumber(r.Min), JSNumber(r.Max), JSNumber(defaults[key])))
			continue
		}
		*targets[key] = value
	}
	if len(problems) > 0 {
		return s, settingsError(problems)
	}
	return s, nil
}

func settingsError(problems []string) error {
	return fmt.Errorf("Tributary settings need fixing (Connections → Data sources → this datasource): %s.", strings.Join(problems, "; "))
}
