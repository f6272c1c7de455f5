// Package synapse holds the stored synapses of a projection — sparse rows
// of (postsynaptic index, weight) per presynaptic terminal — their initial
// weights, bounds and normalisations, and the delivery of presynaptic events
// into postsynaptic input buffers.
//
// # Storage
//
// A CSR stores a projection by presynaptic rows (row r = terminal r mod T of
// neuron r / T): the columns (postsynaptic neurons) of row r are
// Idx[Ptr[r]:Ptr[r+1]], ascending, with weights W at the same positions —
// 8 bytes per synapse plus 4 per row (Memory, BytesPerSynapse). Package
// connectivity draws the structure; this package fills in the weights.
// Deliver walks one row per presynaptic event; Transpose gives the column
// view plasticity needs on a postsynaptic spike.
//
// # Weights
//
// InitWeights sets W from a param.Value — a constant, one value per
// synapse, or any distribution, row r drawing from key.Stream(r) — and
// InitWeightsDense from a Rows×Cols matrix; both clip to Bounds:
//
//	key := rng.NewKey(seed, projectionID, uint64(rng.PurposeWeights))
//	err := c.InitWeights(param.Normal(0.1, 0.02), synapse.Bounds{Min: 0, Max: 1}, key)
//
// # Normalisation
//
// A Normalizer holds the sum of the weights of every group — all synapses
// (Total), each column (FanIn) or each row (FanOut) — at a target, by the
// affine rescaling w ← m + (w − m)·s about m = Bounds.Min, never leaving
// Bounds: weights pushed past Max are held there and the others rescaled
// again. Keep one per projection and Apply it after each plasticity update;
// it does not allocate.
package synapse
