//go:build cgo

package hostrun

// Available reports whether this build has the host device (it needs
// cgo).
const Available = true
