package kernels

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The committed PTX is compiled from the committed spiral.cu (gen.sh
// records the source's hash in it), holds every kernel of Names and no
// fused multiply-add.
func TestPTXIsTheSources(t *testing.T) {
	src, err := os.ReadFile("spiral.cu")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	if want := "// spiral.cu sha256 " + hex.EncodeToString(sum[:]); !strings.Contains(PTX, want) {
		t.Errorf("spiral.ptx is not compiled from this spiral.cu (no %q): run device/kernels/gen.sh", want)
	}
	for _, name := range Names {
		if !strings.Contains(PTX, ".visible .entry "+name+"(") {
			t.Errorf("spiral.ptx has no kernel %s", name)
		}
	}
	if strings.Contains(PTX, "fma.") {
		t.Error("spiral.ptx holds a fused multiply-add")
	}
}

// ScanThreads is spiral.cu's SCAN_THREADS.
func TestScanThreads(t *testing.T) {
	src, err := os.ReadFile("spiral.cu")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("#define SCAN_THREADS %d\n", ScanThreads); !strings.Contains(string(src), want) {
		t.Errorf("spiral.cu does not say %q", want)
	}
}
