package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// Simulator names used in Run.Sim.
const (
	SimSpiral = "spiral"
	SimBrian2 = "brian2"
)

// Run is one measured process: one model, one simulator and mode, one seed.
// A failed run has OK false and Error set; its numbers are not used.
type Run struct {
	Model     string  `json:"model"`
	Sim       string  `json:"sim"`  // spiral | brian2
	Mode      string  `json:"mode"` // spiral: engine; brian2: runtime | cpp_standalone[_tN]
	Rep       int     `json:"rep"`  // 0-based repetition
	Warmup    bool    `json:"warmup,omitempty"`
	Seed      uint64  `json:"seed"`
	Scale     float64 `json:"scale"`
	DurationS float64 `json:"duration_s"`
	DtMS      float64 `json:"dt_ms"`

	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`

	// Timings, seconds. SimulateS is the simulate phase (Spiral's
	// simulate_s, Brian2's sim_s); WholeS the whole run (Spiral: the
	// process wall time; Brian2: the script's total_process_s, falling back
	// to the process wall time); BuildS construction (Spiral build_s;
	// Brian2 setup_s + build_s, which includes C++ compilation in
	// standalone mode).
	SimulateS    float64 `json:"simulate_s"`
	BuildS       float64 `json:"build_s"`
	WholeS       float64 `json:"whole_s"`
	ProcessWallS float64 `json:"process_wall_s"`
	// PeakRSS is ru_maxrss of the process (bytes); for Brian2 it covers the
	// whole process tree waited for (Python, g++, the standalone binary).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// ForeignLoad is the CPU time other processes used on this machine
	// while the run went, divided by its wall time (cores busy elsewhere).
	ForeignLoad jfloat `json:"foreign_load"`

	Neurons  int64 `json:"neurons"`
	Synapses int64 `json:"synapses"`
	Spikes   int64 `json:"spikes"`
	// SynEvents is the number of synaptic events delivered (Brian2: exact,
	// from the script; Spiral: estimated as spikes × synapses / neurons,
	// SynEventsEstimated true).
	SynEvents          float64 `json:"syn_events"`
	SynEventsEstimated bool    `json:"syn_events_estimated,omitempty"`

	// Rates and CVs per population, keyed by Brian2's population names.
	// A CV of NaN (JSON null) is undefined (too few spikes).
	RateHz map[string]float64 `json:"rate_hz,omitempty"`
	CVISI  map[string]jfloat  `json:"cv_isi,omitempty"`

	Brian2Version   string          `json:"brian2_version,omitempty"`
	CythonCacheWarm *bool           `json:"cython_cache_warm,omitempty"`
	Command         []string        `json:"command,omitempty"`
	StderrTail      string          `json:"stderr_tail,omitempty"`
	Raw             json.RawMessage `json:"raw,omitempty"` // the simulator's own JSON
}

// SynEventsPerS is the delivery rate over the simulate phase (NaN if
// unknown).
func (r Run) SynEventsPerS() float64 {
	if !r.OK || r.SimulateS <= 0 || r.SynEvents <= 0 {
		return math.NaN()
	}
	return r.SynEvents / r.SimulateS
}

// jfloat is a float64 written as null when NaN or infinite.
type jfloat float64

func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func (f *jfloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jfloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

// spiralSummary is the part of spiral-node's summary.json the harness
// reads (package output's Summary).
type spiralSummary struct {
	DtMS        float64  `json:"dt_ms"`
	DurationMS  float64  `json:"duration_ms"`
	Seed        uint64   `json:"seed"`
	WallS       float64  `json:"wall_s"`
	BuildS      *float64 `json:"build_s"`
	SimulateS   *float64 `json:"simulate_s"`
	Neurons     int64    `json:"neurons"`
	Synapses    int64    `json:"synapses"`
	Populations []struct {
		Name   string   `json:"name"`
		Size   int      `json:"size"`
		Spikes int64    `json:"spikes"`
		RateHz float64  `json:"rate_hz"`
		CVISI  *float64 `json:"cv_isi"`
	} `json:"populations"`
	// Optional fields Spiral may add later; read when present.
	BytesPerSynapse *float64 `json:"bytes_per_synapse"`
	SynEvents       *float64 `json:"syn_events"`
	// SynapticEvents is what spiral-node writes (exact, every engine).
	SynapticEvents *float64 `json:"synaptic_events"`
}

// parseSpiralSummary fills r from the bytes of summary.json.
func parseSpiralSummary(b []byte, m Model, r *Run) error {
	var s spiralSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("summary.json: %w", err)
	}
	if s.SimulateS == nil {
		return fmt.Errorf("summary.json: no simulate_s")
	}
	if len(s.Populations) == 0 {
		return fmt.Errorf("summary.json: no populations")
	}
	r.SimulateS = *s.SimulateS
	if s.BuildS != nil {
		r.BuildS = *s.BuildS
	}
	if s.DtMS > 0 {
		r.DtMS = s.DtMS
	}
	r.Neurons, r.Synapses = s.Neurons, s.Synapses
	r.RateHz = map[string]float64{}
	r.CVISI = map[string]jfloat{}
	r.Spikes = 0
	for _, p := range s.Populations {
		name := m.BrianPop(p.Name)
		r.RateHz[name] = p.RateHz
		cv := math.NaN()
		if p.CVISI != nil {
			cv = *p.CVISI
		}
		r.CVISI[name] = jfloat(cv)
		r.Spikes += p.Spikes
	}
	switch {
	case s.SynapticEvents != nil:
		r.SynEvents = *s.SynapticEvents
	case s.SynEvents != nil:
		r.SynEvents = *s.SynEvents
	case s.Neurons > 0:
		r.SynEvents = float64(r.Spikes) * float64(s.Synapses) / float64(s.Neurons)
		r.SynEventsEstimated = true
	}
	r.Raw = json.RawMessage(b)
	return nil
}

// brianResult is the part of a Brian2 script's JSON the harness reads
// (written by bench/brian2/b2run.py: Run.finish).
type brianResult struct {
	Model       string              `json:"model"`
	Scale       float64             `json:"scale"`
	DurationS   float64             `json:"duration_s"`
	DtMS        float64             `json:"dt_ms"`
	Device      string              `json:"device"`
	Seed        uint64              `json:"seed"`
	N           int64               `json:"N"`
	NSynapses   int64               `json:"n_synapses"`
	SpikesTotal int64               `json:"spikes_total"`
	RateHz      map[string]float64  `json:"rate_hz"`
	CVISI       map[string]*float64 `json:"cv_isi"`
	SynEvents   *float64            `json:"syn_events"`
	Timing      map[string]float64  `json:"timing"`
	Versions    struct {
		Brian2 string `json:"brian2"`
	} `json:"versions"`
	CythonCacheWarm *bool `json:"cython_cache_warm"`
}

// parseBrianJSON fills r from the bytes of a Brian2 script's JSON.
// Whole run = timing.total_process_s (the script from its first import to
// writing the JSON); if absent, the measured process wall time stays.
func parseBrianJSON(b []byte, r *Run) error {
	var s brianResult
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("brian2 JSON: %w", err)
	}
	sim, ok := s.Timing["sim_s"]
	if !ok {
		return fmt.Errorf("brian2 JSON: no timing.sim_s")
	}
	if len(s.RateHz) == 0 {
		return fmt.Errorf("brian2 JSON: no rate_hz")
	}
	r.SimulateS = sim
	r.BuildS = s.Timing["setup_s"] + s.Timing["build_s"]
	if t, ok := s.Timing["total_process_s"]; ok && t > 0 {
		r.WholeS = t
	}
	if s.DtMS > 0 {
		r.DtMS = s.DtMS
	}
	r.Neurons, r.Synapses, r.Spikes = s.N, s.NSynapses, s.SpikesTotal
	r.RateHz = map[string]float64{}
	for k, v := range s.RateHz {
		r.RateHz[k] = v
	}
	if len(s.CVISI) > 0 {
		r.CVISI = map[string]jfloat{}
		for k, v := range s.CVISI {
			cv := math.NaN()
			if v != nil {
				cv = *v
			}
			r.CVISI[k] = jfloat(cv)
		}
	}
	if s.SynEvents != nil {
		r.SynEvents = *s.SynEvents
	}
	r.Brian2Version = s.Versions.Brian2
	r.CythonCacheWarm = s.CythonCacheWarm
	r.Raw = json.RawMessage(b)
	return nil
}

// Results is the content of results.json.
type Results struct {
	Machine Machine                  `json:"machine"`
	Config  Config                   `json:"config"`
	Models  []Model                  `json:"models"`
	Spiral  map[string]SpiralStatics `json:"spiral_static,omitempty"` // per model name
	Runs    []Run                    `json:"runs"`
}

// SpiralStatics are per-model facts about Spiral's network not in
// summary.json (from spiral-node inspect).
type SpiralStatics struct {
	BytesPerSynapse float64 `json:"bytes_per_synapse,omitempty"`
	Source          string  `json:"source,omitempty"`
	Error           string  `json:"error,omitempty"`
}

// Config records how the harness was invoked.
type Config struct {
	Reps          int      `json:"reps"`
	Seed          uint64   `json:"first_seed"`
	Engines       []string `json:"spiral_engines"`
	BrianModes    []string `json:"brian2_modes"`
	Quick         bool     `json:"quick"`
	Brian2Dir     string   `json:"brian2_dir"`
	TolSD         float64  `json:"tol_sd"`
	TolRel        float64  `json:"tol_rel"`
	TolRateAbsHz  float64  `json:"tol_rate_abs_hz"`
	TolCVAbs      float64  `json:"tol_cv_abs"`
	SkipBrian2    bool     `json:"skip_brian2,omitempty"`
	Args          []string `json:"args"`
	SpiralCommand string   `json:"spiral_binary"`
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
