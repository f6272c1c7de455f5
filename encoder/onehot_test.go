package encoder

import (
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/soma"
)

func TestOneHot(t *testing.T) {
	cases := []struct {
		name    string
		size    int
		batch   int
		indices []float32 // one per group and copy
		want    []uint32
		wantErr bool
	}{
		{"classes", 4, 1, []float32{2, 0, 3}, []uint32{2, 4, 11}, false},
		{"silent group", 4, 1, []float32{-1, 1, -1}, []uint32{5}, false},
		{"batch", 3, 2, []float32{0, 2, 1, -1}, []uint32{0, 5, 7}, false},
		{"size 1", 1, 1, []float32{0, -1, 0}, []uint32{0, 2}, false},
		{"index too large", 4, 1, []float32{4, 1, 0}, []uint32{5, 8}, true},
		{"not an integer", 4, 1, []float32{1.5, 1, 0}, []uint32{5, 8}, true},
		{"below -1", 4, 1, []float32{-2, 1, 0}, []uint32{5, 8}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			groups := len(c.indices) / c.batch
			m, err := OneHot{Size: c.size}.New(env(groups*c.size, c.batch, 1, 1))
			if err != nil {
				t.Fatal(err)
			}
			got := m.Step(3, soma.Input{Current: ExpandGroups(c.indices, c.size)}, nil)
			if !slices.Equal(got, c.want) {
				t.Errorf("fired %v, want %v", got, c.want)
			}
			if err := m.(soma.Failer).Err(); (err != nil) != c.wantErr {
				t.Errorf("err = %v, want error %v", err, c.wantErr)
			}
			if c.wantErr {
				return
			}
			dec := make([]int, len(c.indices))
			if err := DecodeOneHot(got, c.size, dec); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.indices {
				if dec[k] != int(v) {
					t.Errorf("decoded group %d = %d, want %d", k, dec[k], int(v))
				}
			}
		})
	}
}

func TestOneHotBuildErrors(t *testing.T) {
	if _, err := (OneHot{Size: 0}).New(env(4, 1, 1, 1)); err == nil {
		t.Error("size 0 accepted")
	}
	if _, err := (OneHot{Size: 3}).New(env(4, 1, 1, 1)); err == nil {
		t.Error("4 neurons in groups of 3 accepted")
	}
	if err := DecodeOneHot([]uint32{1, 2}, 4, make([]int, 1)); err == nil {
		t.Error("two spikes in a group decoded")
	}
}

func TestObjectIndex(t *testing.T) {
	// A string is enumerated (the Python receiver crashed on lists and
	// strings).
	chars, err := EnumerateRunes("abcé")
	if err != nil {
		t.Fatal(err)
	}
	if chars.Size() != 4 {
		t.Fatalf("size %d", chars.Size())
	}
	x, err := chars.Encode([]rune("éa"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := chars.OneHot().New(env(2*4, 1, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Step(0, soma.Input{Current: x}, nil); !slices.Equal(got, []uint32{3, 4}) {
		t.Errorf("'éa' fired %v, want [3 4]", got)
	}
	if _, err := chars.Encode([]rune("az")); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("unknown rune: err = %v", err)
	}
	dflt, err := chars.WithDefault(-1)
	if err != nil {
		t.Fatal(err)
	}
	if x, err := dflt.Encode([]rune("za")); err != nil || !slices.Equal(x, []float32{-1, -1, -1, -1, 0, 0, 0, 0}) {
		t.Errorf("default: %v, %v", x, err)
	}
	if _, err := chars.WithDefault(4); err == nil {
		t.Error("default beyond size accepted")
	}

	// A slice of any comparable type.
	words, err := EnumerateObjects([]string{"go", "stop", "wait"})
	if err != nil {
		t.Fatal(err)
	}
	if i, _ := words.Index("wait"); i != 2 {
		t.Errorf("wait -> %d", i)
	}
	if _, err := EnumerateRunes("hello"); err == nil {
		t.Error("repeated rune accepted")
	}

	// An explicit map: size = largest index + 1, shared indices allowed.
	mp, err := NewObjectIndex(map[string]int{"yes": 1, "y": 1, "no": 0, "maybe": 4})
	if err != nil {
		t.Fatal(err)
	}
	if mp.Size() != 5 {
		t.Errorf("size %d, want 5", mp.Size())
	}
	if _, err := NewObjectIndex(map[string]int{"x": -1}); err == nil {
		t.Error("negative index accepted")
	}
	if _, err := NewObjectIndex(map[string]int{}); err == nil {
		t.Error("empty mapping accepted")
	}
}

func TestLazy(t *testing.T) {
	m, err := Lazy{}.New(env(3, 2, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Step(0, soma.Input{Current: []float32{0, 1, -2, 0.5, 0, 0}}, nil)
	if !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("fired %v", got)
	}
	if got := m.Step(1, soma.Input{}, nil); len(got) != 0 {
		t.Errorf("no input fired %v", got)
	}
}
