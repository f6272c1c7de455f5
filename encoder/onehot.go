package encoder

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/soma"
)

// OneHot encodes a class index per group of Size neurons as a one-hot spike
// vector every step: the population of N = G·Size neurons is G groups, and
// neuron j of group g (element b·N + g·Size + j) fires iff its input equals
// j. The input of every element of a group is the group's class index
// (ExpandGroups builds it from one index per group); −1 means the group is
// silent. An index that is not an integer in [−1, Size) is recorded and
// reported by Err (the group stays silent).
//
// Note that an all-zero input encodes class 0 in every group: give a one-hot
// population a stimulus (−1 to silence it).
type OneHot struct {
	Size int // classes per group, >= 1; N must be a multiple of Size
}

// Kind implements soma.Spec.
func (OneHot) Kind() string { return "one_hot" }

// New implements soma.Spec.
func (s OneHot) New(env soma.Env) (soma.Model, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("one_hot: %w", err)
	}
	if s.Size < 1 {
		return nil, fmt.Errorf("one_hot: size = %d: must be >= 1", s.Size)
	}
	if env.N%s.Size != 0 {
		return nil, fmt.Errorf("one_hot: population of %d neurons is not a whole number of groups of size %d", env.N, s.Size)
	}
	return &oneHot{env: env, size: s.Size}, nil
}

type oneHot struct {
	env     soma.Env `state:"-"`
	size    int      `state:"-"`
	first   int      `state:"-"` // population index of neuron 0 (a part made by Split)
	stepped bool     `state:"-"` // Step was called since New or the last Reset
	err     error    `state:"-"`
}

func (m *oneHot) Len() int { return m.env.Len() }

func (m *oneHot) Step(step int64, in soma.Input, fired []uint32) []uint32 {
	m.stepped = true
	x := in.Current
	if x == nil {
		return fired
	}
	if len(x) != m.env.Len() {
		m.fail(fmt.Errorf("one_hot: input has %d values, want %d", len(x), m.env.Len()))
		return fired
	}
	size, n := m.size, m.env.N
	j0 := m.first % size
	for b := 0; b < m.env.Batch; b++ {
		base := b * n
		j := j0 // class of neuron i: (first + i) mod size
		for i, v := range x[base : base+n] {
			if v == float32(j) {
				fired = append(fired, uint32(base+i))
			} else if !(v == -1 || (v >= 0 && v < float32(size) && v == float32(math.Trunc(float64(v))))) && m.err == nil {
				g := m.first + i
				m.err = fmt.Errorf("one_hot: neuron %d (group %d, copy %d) at step %d: class index %g: must be an integer in [-1, %d)",
					g, g/size, b, step, v, size)
			}
			if j++; j == size {
				j = 0
			}
		}
	}
	return fired
}

func (m *oneHot) fail(err error) {
	if m.err == nil {
		m.err = err
	}
}

func (m *oneHot) Err() error                   { return m.err }
func (m *oneHot) Reset()                       { m.err, m.stepped = nil, false }
func (m *oneHot) Var(string) ([]float32, bool) { return nil, false }
func (m *oneHot) Vars() []string               { return nil }

// ExpandGroups returns the per-element input of a grouped encoder (OneHot,
// Position): every value of vals repeated size times (none for size <= 0).
func ExpandGroups(vals []float32, size int) []float32 {
	size = max(size, 0)
	out := make([]float32, 0, len(vals)*size)
	for _, v := range vals {
		for j := 0; j < size; j++ {
			out = append(out, v)
		}
	}
	return out
}

// DecodeOneHot reads the class index of every group from one step's fired
// elements (ascending) of a one-hot population with groups of size: out[k]
// is the class of group k = e/size (that is copy b's group g at k = b·G+g),
// −1 where the group is silent. out must hold every group (B·G entries).
// Two spikes in one group are an error, and so is a size below 1.
func DecodeOneHot(fired []uint32, size int, out []int) error {
	if size < 1 {
		return fmt.Errorf("one_hot decode: size = %d: must be >= 1", size)
	}
	for k := range out {
		out[k] = -1
	}
	for _, e := range fired {
		k := int(e) / size
		if k >= len(out) {
			return fmt.Errorf("one_hot decode: element %d is beyond %d groups of %d", e, len(out), size)
		}
		if out[k] >= 0 {
			return fmt.Errorf("one_hot decode: group %d has two spikes (classes %d and %d)", k, out[k], int(e)%size)
		}
		out[k] = int(e) % size
	}
	return nil
}

// ObjectIndex maps objects of any comparable type (runes, strings, tokens)
// to class indices for a OneHot encoder — the Python Object2IndexReceiver,
// with its list bug fixed: slices and strings are enumerated.
type ObjectIndex[T comparable] struct {
	index      map[T]int
	size       int
	def        int
	hasDefault bool
}

// NewObjectIndex uses an explicit mapping; indices must be >= 0 (several
// objects may share one). Size is the largest index + 1.
func NewObjectIndex[T comparable](m map[T]int) (*ObjectIndex[T], error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("object index: empty mapping")
	}
	o := &ObjectIndex[T]{index: make(map[T]int, len(m))}
	for k, v := range m {
		if v < 0 {
			return nil, fmt.Errorf("object index: %v -> %d: indices must be >= 0", k, v)
		}
		o.index[k] = v
		o.size = max(o.size, v+1)
	}
	return o, nil
}

// EnumerateObjects maps objs[i] to i. A repeated object is an error.
func EnumerateObjects[T comparable](objs []T) (*ObjectIndex[T], error) {
	if len(objs) == 0 {
		return nil, fmt.Errorf("object index: no objects")
	}
	o := &ObjectIndex[T]{index: make(map[T]int, len(objs)), size: len(objs)}
	for i, x := range objs {
		if j, dup := o.index[x]; dup {
			return nil, fmt.Errorf("object index: %v appears at %d and %d", x, j, i)
		}
		o.index[x] = i
	}
	return o, nil
}

// EnumerateRunes maps the i-th rune (character) of s to i. A repeated rune is
// an error.
func EnumerateRunes(s string) (*ObjectIndex[rune], error) {
	return EnumerateObjects([]rune(s))
}

// WithDefault returns a copy that maps unknown objects to def (−1 =
// silent) instead of reporting an error. def must be in [−1, Size).
func (o *ObjectIndex[T]) WithDefault(def int) (*ObjectIndex[T], error) {
	if def < -1 || def >= o.size {
		return nil, fmt.Errorf("object index: default %d: must be in [-1, %d)", def, o.size)
	}
	c := *o
	c.def, c.hasDefault = def, true
	return &c, nil
}

// Size is the number of classes (one-hot group size).
func (o *ObjectIndex[T]) Size() int { return o.size }

// OneHot is the encoder spec for this mapping.
func (o *ObjectIndex[T]) OneHot() OneHot { return OneHot{Size: o.size} }

// Index maps one object.
func (o *ObjectIndex[T]) Index(x T) (int, error) {
	if i, ok := o.index[x]; ok {
		return i, nil
	}
	if o.hasDefault {
		return o.def, nil
	}
	return 0, fmt.Errorf("object index: unknown object %v", x)
}

// Encode maps the objects of one step (one per group) to the input vector of
// a OneHot population with len(xs) groups: len(xs)·Size values.
func (o *ObjectIndex[T]) Encode(xs []T) ([]float32, error) {
	idx := make([]float32, len(xs))
	for k, x := range xs {
		i, err := o.Index(x)
		if err != nil {
			return nil, fmt.Errorf("%w (group %d)", err, k)
		}
		idx[k] = float32(i)
	}
	return ExpandGroups(idx, o.size), nil
}

// Lazy fires element e wherever its input is not zero (the Python
// LazyEncoder): a way to feed precomputed spike patterns through a
// stimulus. NaN input is recorded and reported by Err.
type Lazy struct{}

// Kind implements soma.Spec.
func (Lazy) Kind() string { return "lazy" }

// New implements soma.Spec.
func (Lazy) New(env soma.Env) (soma.Model, error) {
	if err := env.Validate(); err != nil {
		return nil, fmt.Errorf("lazy: %w", err)
	}
	return &lazy{env: env}, nil
}

type lazy struct {
	env     soma.Env
	first   int  // population index of element 0 (a part made by Split)
	stepped bool // Step was called since New or the last Reset
	err     error
}

func (m *lazy) Len() int { return m.env.Len() }

func (m *lazy) Step(step int64, in soma.Input, fired []uint32) []uint32 {
	m.stepped = true
	x := in.Current
	if x == nil {
		return fired
	}
	if len(x) != m.env.Len() {
		if m.err == nil {
			m.err = fmt.Errorf("lazy: input has %d values, want %d", len(x), m.env.Len())
		}
		return fired
	}
	for e, v := range x {
		if v != 0 {
			if v != v {
				if m.err == nil {
					m.err = fmt.Errorf("lazy: element %d at step %d: input is NaN", m.first+e, step)
				}
				continue
			}
			fired = append(fired, uint32(e))
		}
	}
	return fired
}

func (m *lazy) Err() error                   { return m.err }
func (m *lazy) Reset()                       { m.err, m.stepped = nil, false }
func (m *lazy) Var(string) ([]float32, bool) { return nil, false }
func (m *lazy) Vars() []string               { return nil }
