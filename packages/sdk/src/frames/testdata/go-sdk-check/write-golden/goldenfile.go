package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

// The two golden DataResponse formats of the SDK's experimental package (see ../../README.md):
// a readable header, then either base64 Arrow lines (.txt) or the DataResponse JSON (.jsonc).
const (
	machineLine     = "🌟 This was machine generated.  Do not edit. 🌟\n"
	arrowSection    = "====== TEST DATA RESPONSE (arrow base64) ======"
	jsoncLinePrefix = "//  "
)

var directoryFrame = func(dir string) (*data.Frame, error) { return experimental.GetDirectoryFrame(dir, false) }

// readableHeader shows each frame's meta and first rows, for people reading the file.
func readableHeader(dr *backend.DataResponse) (string, error) {
	var b strings.Builder
	b.WriteString(machineLine)
	for i, frame := range dr.Frames {
		fmt.Fprintf(&b, "\nFrame[%d] ", i)
		if frame.Meta != nil {
			meta, err := json.MarshalIndent(frame.Meta, "", "    ")
			if err != nil {
				return "", err
			}
			b.Write(meta)
		}
		table, err := frame.StringTable(100, 10)
		if err != nil {
			return "", err
		}
		b.WriteString("\n" + table + "\n\n")
	}
	return b.String(), nil
}

// writeArrowResponseFile writes the header, the section marker and one FRAME= line (base64 of the
// frame's Arrow IPC file, as the SDK marshals it) per frame. The SDK's own reader then checks it.
func writeArrowResponseFile(path string, dr *backend.DataResponse) error {
	header, err := readableHeader(dr)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header + arrowSection)
	for _, frame := range dr.Frames {
		arrowBytes, err := frame.MarshalArrow()
		if err != nil {
			return err
		}
		b.WriteString("\nFRAME=" + base64.StdEncoding.EncodeToString(arrowBytes))
	}
	b.WriteString("\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	// The SDK's checker reads the file back and compares every frame with the one we wrote.
	//nolint:staticcheck // deprecated upstream in favour of the JSON form, still the reader of this format
	return experimental.CheckGoldenDataResponse(path, dr, false)
}

// writeJSONResponseFile writes the header as // comment lines, then the DataResponse as the SDK
// marshals it to JSON (indented).
func writeJSONResponseFile(path string, dr *backend.DataResponse) error {
	header, err := readableHeader(dr)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(dr, "", "  ")
	if err != nil {
		return err
	}
	text := jsoncLinePrefix + strings.ReplaceAll(header, "\n", "\n"+jsoncLinePrefix) + machineLine + string(body)
	return os.WriteFile(path, []byte(text), 0o644)
}
