package workers

import (
	"bufio"
	"errors"
	"net"
	"testing"
)

// A member's refusal because it serves another run reads as ErrBusy (a
// caller may ask again later); any other refusal does not.
func TestBusyRefusal(t *testing.T) {
	for _, c := range []struct {
		line string
		busy bool
	}{{"error: member node1" + busySuffix + "\n", true}, {"error: member node1 refuses: another schema\n", false}} {
		a, b := net.Pipe()
		go func() {
			_, _ = a.Write([]byte(c.line))
			a.Close()
		}()
		_, err := readHello(b, bufio.NewReader(b))
		b.Close()
		if err == nil || errors.Is(err, ErrBusy) != c.busy {
			t.Errorf("%q: %v, busy %v", c.line, err, errors.Is(err, ErrBusy))
		}
	}
}
