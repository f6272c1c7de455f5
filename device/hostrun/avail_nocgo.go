//go:build !cgo

package hostrun

import (
	"errors"

	"github.com/spiral-sim/spiral/device"
)

// Available reports whether this build has the host device (it needs
// cgo).
const Available = false

// Open fails: the host device needs cgo.
func Open(int) (device.Backend, error) {
	return nil, errors.New("hostrun: this build has no cgo, which the host device needs (build with CGO_ENABLED=1 and a C compiler)")
}
