// Package connectivity draws the synapse structure of a projection — which
// (row, column) pairs are synapses — directly as a synapse.CSR.
//
// # Rows, columns, autapses
//
// A projection from a population of N neurons with T axon terminals each
// onto a population of M neurons has Rows = N·T (row r is terminal r mod T
// of neuron r / T) and Cols = M. Shape carries these numbers. When a
// population projects onto itself (Shape.Self), the rows of neuron i meeting
// column i are autapses; they are left out unless Shape.Autapses is set.
// Every pattern leaves them out while it draws, so a fixed in-degree of K
// still means K partners other than oneself.
//
// # Patterns
//
//	AllToAll{}                      every pair
//	OneToOne{}                      row i to column i (Rows == Cols)
//	Bernoulli{P: 0.1}               each pair independently with probability P
//	FixedTotal{N: 1000}             exactly N pairs, uniformly
//	FixedInDegree{K: 100}           every column exactly K rows
//	FixedOutDegree{K: 100}          every row exactly K columns
//	List{I: is, J: js}              the pairs (I[n], J[n])
//	Invert(p), And(p, q), Or(p, q)  complement, intersection, union
//
// The fixed-number patterns draw distinct pairs unless Multapses is set, in
// which case they draw with replacement and a pair may repeat (two
// synapses, two weights). Bernoulli, AllToAll and OneToOne never repeat a
// pair; a List repeats one only with Multapses.
//
// # Determinism
//
// Build(shape, key) is a pure function of the pattern, the shape and the
// key: the same key gives the same network on any machine, whatever else
// was built before. Derive the key from the seed and the projection's
// identity, e.g. rng.NewKey(seed, projectionID, uint64(rng.PurposeConnectivity)).
// Row-wise patterns draw row r from key.Stream(r), FixedInDegree draws
// column j from key.Stream(j), and operand i of And/Or is built with
// key.Sub(i).
//
// # Cost
//
// Every pattern writes its rows in order with ascending columns, sized
// exactly (Bernoulli reserves its mean plus six standard deviations), and
// keeps no intermediate structure larger than the result: FixedInDegree
// holds its drawn rows (4 bytes per synapse) until they are scattered into
// the CSR. Bernoulli skips geometrically from synapse to synapse, so its
// time is proportional to the synapses made. And and Or merge sorted rows.
// Only Invert (and FixedTotal above half the pairs) walks every pair.
//
// Errors name the pattern, the field, its value and what would be valid,
// before anything is drawn; Validate checks a pattern without building it.
package connectivity
