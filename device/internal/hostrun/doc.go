// Package hostrun runs Spiral's CUDA kernels (device/kernels/spiral.cu)
// on the CPU: the same source compiled as C with a small host shim
// (kernels/host.h), a kernel a loop over blocks and threads. It exists
// for tests: that the kernels compute what the CPU paths of packages
// soma, encoder and synapse compute, bit for bit, on machines without a
// GPU. It needs cgo (a C compiler); without cgo it is empty.
//
// spiral_cu.h and host.h are symbolic links to the kernels' files: the
// go command hashes the files of a package's own directory, so a change
// of a kernel rebuilds this package (a header found through -I would be
// left out of the build cache's key).
package hostrun
