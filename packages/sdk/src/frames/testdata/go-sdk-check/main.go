package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Reads Arrow files and frame-JSON files written by our TypeScript encoder with the Go SDK's own
// decoders; prints the Go SDK's FrameToJSON of each (to compare with our JSON) and writes the Go
// SDK's MarshalArrow of each next to it as <file>.go.arrow (to compare with our Arrow).
//
// This produced ../go-sdk-v0.299.0-mixed.{json,arrow} from the frame `mixedFrame()` in
// ../../frames.test.ts (written with frameToArrow): `go run . mixed.arrow`. The golden fixtures in
// ../sdk-golden come from the sibling program ./write-golden.
func main() {
	for _, path := range os.Args[1:] {
		b, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		var f *data.Frame
		if len(b) > 0 && b[0] == '{' {
			f = &data.Frame{}
			if err := json.Unmarshal(b, f); err != nil {
				fmt.Printf("%s\tERROR json: %v\n", path, err)
				continue
			}
		} else {
			f, err = data.UnmarshalArrowFrame(b)
			if err != nil {
				fmt.Printf("%s\tERROR arrow: %v\n", path, err)
				continue
			}
		}
		if arrowBytes, err := f.MarshalArrow(); err == nil {
			_ = os.WriteFile(path+".go.arrow", arrowBytes, 0o644)
		} else {
			fmt.Printf("%s\tERROR marshalarrow: %v\n", path, err)
		}
		out, err := data.FrameToJSON(f, data.IncludeAll)
		if err != nil {
			fmt.Printf("%s\tERROR tojson: %v\n", path, err)
			continue
		}
		fmt.Printf("%s\t%s\n", path, out)
	}
}
