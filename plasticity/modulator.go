package plasticity

// ModulatorReader is implemented by the rule specs that read the
// neuromodulator (StepData.Modulator): RSTDP and Modulated, and a
// Composite holding one of them. A projection may follow a modulator only
// with such a rule (network.Build refuses the others, whose weights would
// never see it); a rule of one's own that reads StepData.Modulator says so
// by implementing this interface.
type ModulatorReader interface {
	// ReadsModulator reports whether the rule reads the modulator.
	ReadsModulator() bool
}

// ReadsModulator reports whether the rule spec s reads the neuromodulator.
func ReadsModulator(s Spec) bool {
	r, ok := s.(ModulatorReader)
	return ok && r.ReadsModulator()
}

// ModulatedKinds lists the kinds of the built-in rules that read the
// neuromodulator, for error messages.
const ModulatedKinds = "rstdp (reward-modulated STDP with eligibility traces), modulated (any rule's changes times the modulator)"

// ReadsModulator implements ModulatorReader: true.
func (RSTDP) ReadsModulator() bool { return true }

// ReadsModulator implements ModulatorReader: true.
func (Modulated) ReadsModulator() bool { return true }

// ReadsModulator implements ModulatorReader: whether any of the rules does.
func (s Composite) ReadsModulator() bool {
	for _, r := range s.Rules {
		if r != nil && ReadsModulator(r) {
			return true
		}
	}
	return false
}
