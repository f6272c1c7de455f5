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
//	  .partial/                 only while running, or left by a killed process
//
// t_ms is step × dt_ms computed in float64. In a state archive, row r of
// values holds the k recorded elements (whose population indices are
// elements) at time t_ms[r].
//
// summary.json holds dt_ms, duration_ms, seed, wall_s, build_s, simulate_s,
// neurons, synapses, engine, synapse_bytes (the synapse storage after
// building), peak_rss_bytes and populations, a list of {name, size, spikes,
// rate_hz, cv_isi}. rate_hz is spikes / size / duration; cv_isi is the mean over
// neurons with at least two inter-spike intervals of the per-neuron ISI
// coefficient of variation (std/mean), null when no neuron qualifies.
//
// # Completeness protocol
//
// Begin creates DIR (refusing a non-empty one unless Options.Overwrite, which
// deletes the old summary.json first) and DIR/.partial. Writers spill each
// column to a temporary file (name.npz.<array>.tmp) under .partial, so memory
// stays bounded whatever the duration; Close assembles the archive by
// streaming the columns into name.npz.partial, syncs it and renames it.
// Commit closes all writers, renames .partial/spikes and .partial/state into
// DIR, writes summary.json via a temporary file and rename, and removes
// .partial. Abort (and a failed Commit) removes everything the run wrote, and
// DIR itself when Begin created it. A directory without summary.json, or any
// file under .partial or named *.partial / *.tmp, is not a complete run.
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
