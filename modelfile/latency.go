package modelfile

import (
	"go.yaml.in/yaml/v3"

	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/param"
)

var latencyKinds = []string{"align"}

// parseLatency reads a projection's learnt latency:
// {kind: align, eta, window_ms, max_ms, init_ms}.
func (p *parser) parseLatency(n *yaml.Node, path string, line int, dt float64) latency.Spec {
	m, _, ok := p.kinded(n, path, line, latencyKinds)
	if !ok {
		return nil
	}
	s := latency.Align{InitMs: param.Const(0)}
	if v, _ := m.get("eta"); v != nil {
		s.Eta, _ = p.checked(v, path+".eta", gt(0), inRange(0, 1))
	} else {
		m.missing("eta")
	}
	if v, _ := m.get("window_ms"); v != nil {
		s.WindowMs, _ = p.checked(v, path+".window_ms", ge(dt))
	} else {
		m.missing("window_ms")
	}
	maxOK := false
	if v, _ := m.get("max_ms"); v != nil {
		s.Max, maxOK = p.checked(v, path+".max_ms", ge(0))
	} else {
		m.missing("max_ms")
	}
	if v, _ := m.get("init_ms"); v != nil {
		checks := []check{ge(0)}
		if maxOK {
			checks = append(checks, inRange(0, s.Max))
		}
		s.InitMs, _ = p.value(v, path+".init_ms", -1, checks...)
	}
	m.done()
	return s
}
