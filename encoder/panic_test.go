package encoder

import (
	"strings"
	"testing"
)

func TestDecodeOneHotBadSize(t *testing.T) {
	out := []int{7, 7}
	for _, size := range []int{0, -3} {
		err := DecodeOneHot([]uint32{0, 3}, size, out)
		if err == nil || !strings.Contains(err.Error(), "must be >= 1") {
			t.Errorf("size %d: error %v", size, err)
		}
	}
	// A valid size still decodes: groups of 3, elements 1 and 3 → classes 1
	// and 0.
	if err := DecodeOneHot([]uint32{1, 3}, 3, out); err != nil || out[0] != 1 || out[1] != 0 {
		t.Errorf("size 3: %v, %v", out, err)
	}
}

func TestGroupHelpersDoNotPanic(t *testing.T) {
	if got := ExpandGroups([]float32{1, 2}, -1); len(got) != 0 {
		t.Errorf("ExpandGroups with size -1 = %v, want nothing", got)
	}
	if err := NormalizedRanks([]float32{3, 1, 2}, make([]float64, 2)); err == nil {
		t.Error("NormalizedRanks with a short out: no error")
	}
}
