//go:build !unix

package modelfile

// oNonblock: no such flag here (ReadFile still checks the opened file).
const oNonblock = 0
