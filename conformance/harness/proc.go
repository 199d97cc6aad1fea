package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSSBytes reads VmRSS (resident now) of a process from /proc (Linux).
func RSSBytes(pid int) (int64, error) { return procStatusBytes(pid, "VmRSS:") }

// PeakRSSBytes reads VmHWM (the most the process has ever had resident) from /proc (Linux).
func PeakRSSBytes(pid int) (int64, error) { return procStatusBytes(pid, "VmHWM:") }

func procStatusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			fields := strings.Fields(line)
			if len(fields) >= 2 {
				kb, err := strconv.ParseInt(fields[1], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
