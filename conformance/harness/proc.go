package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
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

// CPUTime reads the CPU time (user + system, all threads) a process has used so far from
// /proc/<pid>/stat, in clock ticks of 1/100 s (USER_HZ on Linux).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after "(comm) ": state is [0], utime [11], stime [12].
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
