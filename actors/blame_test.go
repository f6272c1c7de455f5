package actors_test

import (
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/actors"
)

// A stall is blamed on the workers that do not answer a probe, late or
// not (a frozen worker may have sent its output before it froze, and the
// late one waits for its batches); when all answer, or none does, on the
// late ones.
func TestStallBlame(t *testing.T) {
	for _, c := range []struct {
		name   string
		late   []int
		silent []bool
		want   []int
	}{
		{"the late one waits for a silent one that is not late", []int{0}, []bool{false, true, false}, []int{1}},
		{"the silent one among the late", []int{0, 1, 2}, []bool{false, true, false}, []int{1}},
		{"all answer: the late ones", []int{0, 2}, []bool{false, false, false}, []int{0, 2}},
		{"two silent", []int{2}, []bool{true, false, true}, []int{0, 2}},
		{"one worker", []int{0}, []bool{false}, []int{0}},
		{"none answers: the late ones (the trouble is the coordinator's)", []int{1}, []bool{true, true, true}, []int{1}},
	} {
		if got := actors.ToBlame(c.late, c.silent); !slices.Equal(got, c.want) {
			t.Errorf("%s: blamed %v, want %v", c.name, got, c.want)
		}
	}
}
