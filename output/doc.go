// Package output writes the result directory of a simulation run: spike
// trains and sampled state variables as NumPy .npz archives, and a
// summary.json written last.
//
// # Run directory layout
//
//	DIR/
//	  summary.json              written last; its presence marks a complete run
//	  spikes/<population>.npz   t_ms float64 (n,), i uint32 (n,), sorted by time then index
//	  state/<pop>.<var>.npz     t_ms float64 (n,), values float32 (n, k), elements uint32 (k,)
//	  weights/<projection>.npz  w float32 (and i, j, shape, latency_ms)
//	  .lock                     only while a run holds DIR (flock; the holder's pid)
//	  .partial/                 only while running, or left by a killed process
//	  .old/                     only while a commit replaces a previous run, or left by a killed one
//
// t_ms is step × dt_ms: the double nearest the decimal product where dt_ms
// has at most nine decimals (10.1 for step 101 of 0.1 ms, not the float64
// product 10.100000000000001), else the float64 product; round(t_ms/dt_ms)
// gives the step back. In a state archive, row r of
// values holds the k recorded elements (whose population indices are
// elements) at time t_ms[r].
//
// summary.json holds dt_ms, start_ms (the simulated time the run began
// at: 0, or a resumed run's checkpoint time; its spike times run from
// there), duration_ms, warmup_ms (left out of the populations'
// statistics, when set), seed, wall_s, build_s, simulate_s,
// neurons, synapses, engine, synapse_bytes (the synapse storage after
// building), peak_rss_bytes, synaptic_events (the synaptic events
// delivered, an exact count: for every event an axon emitted — a spike;
// with a response function or a graded source, each step of non-zero
// output — that reached a projection during the run, the synapses of its
// source's row; those in flight at the end not counted),
// synaptic_events_per_s (synaptic_events / simulate_s) and populations, a list of {name, size, spikes, rate_hz,
// cv_isi, population_fano}. rate_hz is spikes / size / duration; cv_isi is the mean over
// neurons with at least two inter-spike intervals of the per-neuron ISI
// coefficient of variation (std/mean), null when no neuron qualifies;
// population_fano is the variance over the mean of the population's spike
// count per bin of FanoBinMS (Bins.Fano), null with under two bins or no
// spike.
//
// # Completeness protocol
//
// Begin locks DIR (creating it if needed): it takes an exclusive flock(2)
// on DIR/.lock without waiting and writes its process id there; a second
// Begin on DIR, from this process or another, fails at once with an
// *InUseError ("DIR is in use by pid N") and touches nothing. The lock
// is held until Commit (or Release, with Options.HoldLock) or Abort, and
// the lock file is removed then. A lock file nobody holds was left by a
// killed process and is simply taken over.
//
// Under the lock Begin tidies what a killed run left (Notes says what): a
// .partial is removed; an .old is resolved as described below. Then DIR
// must be empty, or, with Options.Overwrite, hold a previous run's outputs
// (summary.json, spikes/, state/, weights/, plots/) and nothing else; they
// stay untouched until the new run commits. Begin creates DIR/.partial.
//
// Writers spill each column to a temporary file (name.npz.<array>.tmp)
// under .partial, so memory stays bounded whatever the duration; Close
// assembles the archive by streaming the columns into name.npz.partial,
// syncs it and renames it.
//
// Commit closes all writers and writes .partial/summary.json; moves the
// previous outputs, summary.json first, into DIR/.old and marks .old as
// complete; moves .partial's spikes, state and weights into DIR and renames
// summary.json into DIR last; then removes .old and .partial. If any step
// fails, the new outputs are removed and the old ones moved back. If the
// process is killed midway, the next Begin finishes the job: with
// summary.json in DIR the commit (or the previous run) stands and .old is
// removed; otherwise the old outputs come back from .old (after removing
// the new ones when .old is marked complete).
//
// Abort (and a failed Commit) removes everything the run wrote, and DIR
// itself when Begin created it, and never anything a previous run wrote.
// It may be called from another goroutine (a signal handler): once it has
// returned, no writer of the run creates a file. A directory without
// summary.json, or any file under .partial or named *.partial / *.tmp, is
// not a complete run.
//
// # File format
//
// Each .npz is a zip (stored, or deflated with Options.Compress; zip64 when
// large) of <array>.npy members in NumPy format version 1.0: magic
// "\x93NUMPY", version 1.0, little-endian uint16 header length, and an ASCII
// dict such as {'descr': '<f8', 'fortran_order': False, 'shape': (n,), }
// padded with spaces and a final newline so the preamble is a multiple of 64
// bytes, followed by the raw little-endian C-ordered data.
//
// # Loading in Python
//
//	import json, numpy as np, pandas as pd
//	summary = json.load(open("DIR/summary.json"))
//	s = np.load("DIR/spikes/exc.npz")
//	t, i = s["t_ms"], s["i"]                     # raster: plt.plot(t, i, ",")
//	df = pd.DataFrame({"t_ms": t, "i": i})       # or pd.DataFrame(dict(s))
//	v = np.load("DIR/state/exc.v.npz")
//	traces = pd.DataFrame(v["values"], index=v["t_ms"], columns=v["elements"])
//
// # Go use
//
//	run, err := output.Begin(dir)
//	if err != nil { ... }
//	defer run.Abort()                            // no-op after Commit
//	sw, _ := run.SpikeWriter("exc", 3200, dtMS)
//	sw.Append(steps, indices)                    // per step or per batch
//	st, _ := run.StateWriter("exc", "v", []uint32{0, 1}, dtMS)
//	st.Append(step, []float32{v0, v1})
//	err = run.Commit(output.Summary{..., Populations: []output.PopulationSummary{sw.Summary("exc", durationMS)}})
package output
