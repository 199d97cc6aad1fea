// Command write-golden writes the Go SDK golden fixtures that ../../../golden.test.ts reads: every
// frame is built here with grafana-plugin-sdk-go (the version in ../go.mod) and encoded by the SDK
// itself (MarshalArrow, FrameToJSON, DataResponse JSON), so the files show what Grafana's own SDK
// writes. Run from ../ (the module folder): `go run ./write-golden -out ../sdk-golden`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "../sdk-golden", "folder to write the fixtures into (created if missing)")
	flag.Parse()
	if err := writeAll(*out); err != nil {
		fmt.Fprintln(os.Stderr, "write-golden:", err)
		os.Exit(1)
	}
}

func writeAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	if err := writeAllTypes(at("all_types.golden.arrow"), at("all_types.golden.json")); err != nil {
		return fmt.Errorf("all_types: %w", err)
	}
	for _, fixture := range responseFixtures() {
		if fixture.arrowFile != "" {
			if err := writeArrowResponseFile(at(fixture.arrowFile), fixture.response); err != nil {
				return fmt.Errorf("%s: %w", fixture.arrowFile, err)
			}
		}
		if fixture.jsonFile != "" {
			if err := writeJSONResponseFile(at(fixture.jsonFile), fixture.response); err != nil {
				return fmt.Errorf("%s: %w", fixture.jsonFile, err)
			}
		}
	}
	folder, err := directoryListingResponse()
	if err != nil {
		return fmt.Errorf("folder listing: %w", err)
	}
	return writeArrowResponseFile(at("folder.golden.txt"), folder)
}
