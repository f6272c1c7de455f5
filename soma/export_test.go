package soma

// SetSIMD lets m's AVX2 kernels run (on, the default) or holds it to the
// Go loops, so that tests can compare the two on a machine with AVX2. m
// must be an integrate-and-fire model.
func SetSIMD(m Model, on bool) { m.(*ifModel).setSIMD(on) }

// HaveAVX2 reports whether the AVX2 kernels can run on this processor.
func HaveAVX2() bool { return haveAVX2 }

// SetAVX512 lets m's AVX-512 kernel run where the processor has it (on,
// the default) or holds it to the AVX2 kernel. m must be an
// integrate-and-fire model.
func SetAVX512(m Model, on bool) { m.(*ifModel).setAVX512(on) }

// HaveAVX512 reports whether the AVX-512 kernel can run on this processor.
func HaveAVX512() bool { return haveAVX512 }
