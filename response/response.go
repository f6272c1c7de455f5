package response

// Function transforms one step of input into one step of response. It owns
// any state it needs (a leaky trace, a window history).
type Function interface {
	// Step maps the input x of this step to the response r (both of
	// length Len()). r may be the same slice as x.
	Step(x, r []float32)
	// Reset clears the state.
	Reset()
	// Len is the number of elements.
	Len() int
	// Memoryless reports whether the response depends only on the input
	// of the same step and element, and is zero for zero input (identity,
	// scaling). An axon then turns spikes into events directly, without
	// running the function over silent elements.
	Memoryless() bool
}

// Spec describes a response function; New builds it for n elements with
// time step dt (ms). Per-element parameters may be given for every element
// or as a shorter array that repeats (element e uses value e mod len, and
// len must divide n), e.g. one value per terminal. Which lengths make sense
// depends on how the owner orders its elements: an owner states that with
// a Layout and checks the spec with Layout.Check before New.
type Spec interface {
	Kind() string
	New(n int, dt float64) (Function, error)
}
