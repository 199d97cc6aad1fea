package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Paths are the artefacts the suite drives.
type Paths struct {
	RepoRoot string
	// Launcher is dist/gpx_tributary_linux_amd64 (what Grafana executes).
	Launcher string
	// MainJS is dist/backend/main.js (the sidecar entry).
	MainJS string
	// Reference is conformance/bin/gpx_reference_<os>_<arch>, the Go SDK yardstick.
	Reference string
}

// repoRoot is the directory above the working directory that holds conformance/go.mod.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	dir := wd
	for {
		if _, err := os.Stat(filepath.Join(dir, "conformance", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("cannot find the repository root (a directory with conformance/go.mod) above %s", wd)
		}
		dir = parent
	}
}

// NodeFlags are the flags the sidecar's Node gets (backend/launcher/node-runtime.json
// sidecarNodeFlags), so the suite's sidecar runs as the product's does.
func NodeFlags() ([]string, error) {
	dir, err := repoRoot()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "backend", "launcher", "node-runtime.json"))
	if err != nil {
		return nil, err
	}
	var runtimeFile struct {
		SidecarNodeFlags []string `json:"sidecarNodeFlags"`
	}
	if err := json.Unmarshal(raw, &runtimeFile); err != nil {
		return nil, fmt.Errorf("backend/launcher/node-runtime.json: %w", err)
	}
	return runtimeFile.SidecarNodeFlags, nil
}

// FindPaths locates the repo from the conformance module directory (go test runs in the package
// directory) and checks that dist/ has been built.
func FindPaths() (*Paths, error) {
	dir, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dist := os.Getenv("TRIBUTARY_DIST")
	if dist == "" {
		dist = filepath.Join(dir, "dist")
	}
	p := &Paths{
		RepoRoot:  dir,
		Launcher:  filepath.Join(dist, fmt.Sprintf("gpx_tributary_%s_%s", runtime.GOOS, runtime.GOARCH)),
		MainJS:    filepath.Join(dist, "backend", "main.js"),
		Reference: filepath.Join(dir, "conformance", "bin", fmt.Sprintf("gpx_reference_%s_%s", runtime.GOOS, runtime.GOARCH)),
	}
	var missing []error
	for _, f := range []string{p.Launcher, p.MainJS} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, fmt.Errorf("%s is missing", f))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w\nthe backend is not built: run `npm run build:backend` (or `npm run build`) in %s first", errors.Join(missing...), dir)
	}
	return p, nil
}

// BuildReference compiles the Go SDK reference plugin into conformance/bin/.
func (p *Paths) BuildReference() error {
	cmd := exec.Command("go", "build", "-o", p.Reference, "./reference")
	cmd.Dir = filepath.Join(p.RepoRoot, "conformance")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./reference: %w\n%s", err, out)
	}
	return nil
}
