package estimate

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spiral-sim/spiral/network"
)

// Measured is what a built network holds of what Estimate predicts.
type Measured struct {
	// Synapses and CSR bytes per projection name (synapse.CSR.Memory).
	Synapses map[string]int
	CSR      map[string]int64
	// Plastic bytes per projection: column view, accumulator.
	Plastic map[string]int64
	// Total synapses and bytes of every CSR and plasticity structure.
	TotalSynapses int
	TotalBytes    int64
}

// Measure sums the synapse structures of a built network.
func Measure(net *network.Network) Measured {
	m := Measured{Synapses: map[string]int{}, CSR: map[string]int64{}, Plastic: map[string]int64{}}
	for _, p := range net.Projections {
		syn := p.Runtime.Syn
		m.Synapses[p.Name] = syn.Len()
		m.CSR[p.Name] = int64(syn.Memory())
		if p.Learner != nil {
			pp := p.Learner.P
			m.Plastic[p.Name] = 4 * int64(cap(pp.ColPtr)+cap(pp.ColSyn)+cap(pp.ColRow)+syn.Len())
		}
		m.TotalSynapses += syn.Len()
		m.TotalBytes += m.CSR[p.Name] + m.Plastic[p.Name]
	}
	return m
}

// MemAvailable returns the kernel's estimate of the memory available to
// new processes (MemAvailable of /proc/meminfo), in bytes.
func MemAvailable() (int64, error) { return meminfo("MemAvailable") }

// MemTotal returns MemTotal of /proc/meminfo, in bytes.
func MemTotal() (int64, error) { return meminfo("MemTotal") }

func meminfo(key string) (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return field(f, key+":")
}

// RSS returns the resident set size of this process and its peak
// (VmRSS and VmHWM of /proc/self/status), in bytes.
func RSS() (rss, peak int64, err error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			rss, err = kB(v)
		case "VmHWM":
			peak, err = kB(v)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return rss, peak, sc.Err()
}

func field(f *os.File, key string) (int64, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			return kB(v)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/meminfo", strings.TrimSuffix(key, ":"))
}

func kB(v string) (int64, error) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
	n, err := strconv.ParseInt(v, 10, 64)
	return n * 1024, err
}
