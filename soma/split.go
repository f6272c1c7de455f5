package soma

// Splitter is implemented by models that can be cut into contiguous ranges
// of neurons, so that a population can be spread over several shards
// (actors, cores, machines) and still compute exactly what it computes in
// one piece.
type Splitter interface {
	// Split returns a model of neurons [lo, hi) of this one (0 <= lo < hi
	// <= N) with their parameters and initial state, so that stepping the
	// parts with the corresponding slices of the input gives, element for
	// element and bit for bit, what stepping the whole gives. It is only
	// valid before the first Step and with a batch of one copy; it
	// returns an error otherwise. The parts may share memory with the
	// whole; the whole must not be stepped afterwards.
	Split(lo, hi int) (Model, error)
}
