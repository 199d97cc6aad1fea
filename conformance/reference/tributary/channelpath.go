package tributary

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
)

// Channel path codec, ported from channelPath.ts: v1/<signal>/n=../i=../a=../o=..[/p=..][/l=<alias b64url>].

const ChannelPathVersion = "v1"

var (
	validPath   = regexp.MustCompile(`^[A-Za-z0-9_\-/=.]+$`)
	pathNumber  = regexp.MustCompile(`^-?[0-9][0-9.e-]{0,30}$`)
	pathBase64  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)
	pathKeyName = map[string]string{"n": "seriesCount", "i": "sampleIntervalMs", "a": "amplitude", "o": "offset", "p": "periodMs", "l": "alias"}
)

// EncodeChannelPath gives the canonical path of a stream.
func EncodeChannelPath(q StreamQuery) string {
	parts := []string{
		ChannelPathVersion,
		q.Signal,
		"n=" + JSNumber(float64(q.SeriesCount)),
		"i=" + JSNumber(q.SampleIntervalMs),
		"a=" + JSNumber(q.Amplitude),
		"o=" + JSNumber(q.Offset),
	}
	if Periodic[q.Signal] {
		parts = append(parts, "p="+JSNumber(q.PeriodMs))
	}
	if q.Alias != "" {
		parts = append(parts, "l="+base64.RawURLEncoding.EncodeToString([]byte(q.Alias)))
	}
	return strings.Join(parts, "/")
}

// PathStatus is the outcome of parsing a path.
type PathStatus int

const (
	PathOK PathStatus = iota
	PathNotFound
	PathPermissionDenied
)

// ParseChannelPath mirrors parseChannelPath: never panics; anything EncodeChannelPath would not
// produce is NotFound, values beyond the settings are PermissionDenied.
func ParseChannelPath(path string, s Settings) (StreamQuery, PathStatus, string) {
	notFound := func(reason string) (StreamQuery, PathStatus, string) { return StreamQuery{}, PathNotFound, reason }
	if len(utf16Units(path)) > 200 || !validPath.MatchString(path) {
		return notFound("not a Tributary channel path")
	}
	segs := strings.Split(path, "/")
	if segs[0] != ChannelPathVersion {
		return notFound("unknown channel path version " + describe(segs[0]))
	}
	if len(segs) < 2 || !IsSignalKind(segs[1]) {
		sig := "undefined"
		if len(segs) >= 2 {
			sig = describe(segs[1])
		}
		return notFound("unknown signal " + sig)
	}
	model := map[string]any{"signal": segs[1], "withStreaming": true}
	for _, pair := range segs[2:] {
		eq := strings.IndexByte(pair, '=')
		key := ""
		if eq >= 1 {
			key = pathKeyName[pair[:eq]]
		}
		if _, dup := model[key]; eq < 1 || key == "" || dup {
			return notFound("unexpected path segment " + describe(pair))
		}
		text := pair[eq+1:]
		if key == "alias" {
			if !pathBase64.MatchString(text) {
				return notFound("alias segment is not base64url")
			}
			b, err := base64.RawURLEncoding.DecodeString(text)
			if err != nil {
				// Node's decoder skips trailing bits it cannot use; the re-encode check below
				// rejects such non-canonical spellings anyway.
				return notFound("not the canonical spelling of a Tributary channel path")
			}
			model["alias"] = string(b)
			continue
		}
		n, err := strconv.ParseFloat(text, 64)
		if !pathNumber.MatchString(text) || err != nil {
			return notFound("segment " + describe(pair) + " is not a number")
		}
		model[key] = n
	}
	for _, required := range []string{"seriesCount", "sampleIntervalMs", "amplitude", "offset"} {
		if _, ok := model[required]; !ok {
			return notFound("missing " + required)
		}
	}
	q, problem := ValidateQuery(model, s)
	if problem != nil {
		return StreamQuery{}, PathPermissionDenied, problem.Message
	}
	if EncodeChannelPath(q.StreamQuery) != path {
		return notFound("not the canonical spelling of a Tributary channel path")
	}
	return q.StreamQuery, PathOK, ""
}
