package soma

import "fmt"

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

func sub(x []float32, lo, hi int) []float32 {
	if x == nil {
		return nil
	}
	return x[lo:hi:hi]
}

// Split implements Splitter. The part's parameter and state slices are
// views of the whole's.
func (m *ifModel) Split(lo, hi int) (Model, error) {
	m.syncRefList()
	if err := splitCheck(m.kind, m.n, lo, hi, m.pending || len(m.refList) > 0); err != nil {
		return nil, err
	}
	p := *m
	p.n = hi - lo
	p.v, p.v0, p.rc = sub(m.v, lo, hi), sub(m.v0, lo, hi), sub(m.rc, lo, hi)
	p.reset, p.kref, p.th = sub(m.reset, lo, hi), sub(m.kref, lo, hi), sub(m.th, lo, hi)
	p.kk, p.ee, p.gg = sub(m.kk, lo, hi), sub(m.ee, lo, hi), sub(m.gg, lo, hi)
	p.dtTau, p.rr = sub(m.dtTau, lo, hi), sub(m.rr, lo, hi)
	p.kr = sub(m.kr, lo, hi)
	if m.du != nil {
		p.du = make([]float32, p.n)
	}
	p.refList, p.refStale, p.held, p.last, p.zeros = nil, false, nil, nil, nil
	p.terms = nil
	p.adapt = nil
	p.thr = m.thr.split(lo, hi)
	for _, t := range m.terms {
		var st ifTerm
		switch t := t.(type) {
		case *leakTerm:
			st = &leakTerm{k: sub(t.k, lo, hi), rest: sub(t.rest, lo, hi)}
		case *expTerm:
			st = &expTerm{kd: sub(t.kd, lo, hi), inv: sub(t.inv, lo, hi), th: sub(t.th, lo, hi)}
		case *adaptTerm:
			a := &adaptTerm{textbook: t.textbook, coef: sub(t.coef, lo, hi), kw: sub(t.kw, lo, hi),
				a: sub(t.a, lo, hi), b: sub(t.b, lo, hi), rest: sub(t.rest, lo, hi),
				w: sub(t.w, lo, hi), s: sub(t.s, lo, hi)}
			st = a
			p.adapt = a
		default:
			return nil, fmt.Errorf("%s: cannot split term %T", m.kind, t)
		}
		p.terms = append(p.terms, st)
	}
	return &p, nil
}

func splitCheck(kind string, n, lo, hi int, stepped bool) error {
	if lo < 0 || hi > n || lo >= hi {
		return fmt.Errorf("%s: split [%d, %d) of %d elements: need 0 <= lo < hi <= %d", kind, lo, hi, n, n)
	}
	if stepped {
		return fmt.Errorf("%s: split after the model was stepped", kind)
	}
	return nil
}

// Split implements Splitter.
func (m *rateModel) Split(lo, hi int) (Model, error) {
	if err := splitCheck(m.kind, m.n, lo, hi, false); err != nil {
		return nil, err
	}
	p := *m
	p.n = hi - lo
	p.k, p.gain, p.off, p.bias = sub(m.k, lo, hi), sub(m.gain, lo, hi), sub(m.off, lo, hi), sub(m.bias, lo, hi)
	p.max, p.r, p.r0 = sub(m.max, lo, hi), sub(m.r, lo, hi), sub(m.r0, lo, hi)
	return &p, nil
}
