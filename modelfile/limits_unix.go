//go:build unix

package modelfile

import "syscall"

// oNonblock opens a FIFO swapped in after the check without waiting for a
// writer (the opened file is then refused); it changes nothing for a
// regular file.
const oNonblock = syscall.O_NONBLOCK
