package clock

import "testing"

// Runs of 23, then 10, then 0, then 7 steps with E = 6 cut into segments
// of 6 steps, short only at each run's end, numbered across runs.
func TestCutter(t *testing.T) {
	c, err := New(6)
	if err != nil {
		t.Fatal(err)
	}
	var got []Segment
	for _, until := range []int64{23, 33, 33, 40} {
		c.RunUntil(until)
		for {
			s, ok := c.Next()
			if !ok {
				break
			}
			got = append(got, s)
		}
	}
	want := []Segment{{0, 0, 6}, {1, 6, 12}, {2, 12, 18}, {3, 18, 23}, {4, 23, 29}, {5, 29, 33}, {6, 33, 39}, {7, 39, 40}}
	if len(got) != len(want) {
		t.Fatalf("segments %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("segment %d: %v, want %v", i, got[i], want[i])
		}
	}
	if step, n := c.Cut(); step != 40 || n != 8 {
		t.Errorf("cut to %d in %d segments", step, n)
	}
}

func TestStopHere(t *testing.T) {
	c, _ := New(10)
	c.RunUntil(100)
	c.Next()
	c.Next()
	c.StopHere()
	if _, ok := c.Next(); ok {
		t.Fatal("a stopped run cut another segment")
	}
	c.RunUntil(25)
	if s, ok := c.Next(); !ok || s != (Segment{2, 20, 25}) {
		t.Fatalf("after stopping at 20, a run to 25 cut %v", s)
	}
	if _, err := New(0); err == nil {
		t.Error("a zero segment length was accepted")
	}
}
