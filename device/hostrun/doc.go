// Package hostrun runs Spiral's CUDA kernels (device/kernels/spiral.cu)
// on the CPU: the same source compiled as C with a small host shim
// (kernels/host.h), a kernel a loop over blocks and threads. It exists to
// check, where no GPU is, that the kernels compute what the CPU paths of
// packages soma, encoder and synapse compute, bit for bit, and that a
// network spread over several devices computes what it computes on one:
// each Backend is a device, and several are several devices (the
// command line's --device host:0,1). It is slow — one thread — and not
// a way to run large networks. It needs cgo (a C compiler); without cgo
// it has no Backend, and Available reports false.
//
// spiral_cu.h and host.h are symbolic links to the kernels' files: the
// go command hashes the files of a package's own directory, so a change
// of a kernel rebuilds this package (a header found through -I would be
// left out of the build cache's key).
package hostrun
