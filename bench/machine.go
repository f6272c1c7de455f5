package main

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where the benchmark ran.
type Machine struct {
	CPU         string  `json:"cpu"`
	Cores       int     `json:"cores"`
	MemoryGiB   float64 `json:"memory_gib"`
	Go          string  `json:"go"`
	Brian2      string  `json:"brian2,omitempty"`
	Python      string  `json:"python,omitempty"`
	Kernel      string  `json:"kernel,omitempty"`
	Hostname    string  `json:"hostname,omitempty"`
	LoadAvg     string  `json:"loadavg_start,omitempty"`
	Date        string  `json:"date"` // start, UTC
	DateEnd     string  `json:"date_end,omitempty"`
	GitRevision string  `json:"git_revision,omitempty"`
}

func machineInfo(ctx context.Context, root string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC().Format(time.RFC3339)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU, _ = parseCPUInfo(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryGiB = parseMemTotalGiB(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Hostname, _ = os.Hostname()
	if p := runProc(ctx, 30*time.Second, root, []string{goTool(), "version"}); p.Err == nil {
		m.Go = strings.TrimPrefix(strings.TrimSpace(p.Stdout), "go version ")
	}
	if p := runProc(ctx, 30*time.Second, root, []string{"git", "rev-parse", "--short", "HEAD"}); p.Err == nil {
		rev := strings.TrimSpace(p.Stdout)
		if d := runProc(ctx, 30*time.Second, root, []string{"git", "status", "--porcelain", "--untracked-files=no"}); d.Err == nil && strings.TrimSpace(d.Stdout) != "" {
			rev += " (with uncommitted changes)"
		}
		m.GitRevision = rev
	}
	return m
}

// parseCPUInfo returns the first "model name" and the number of
// "processor" entries of /proc/cpuinfo.
func parseCPUInfo(s string) (model string, n int) {
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		case "processor":
			n++
		}
	}
	return model, n
}

func parseMemTotalGiB(s string) float64 {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / (1 << 20)
			}
		}
	}
	return 0
}
