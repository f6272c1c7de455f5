package modelfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// Limits on what a model file may make the reader do. They bound the
// memory and time of reading any file, however hostile, before the network
// is built (whose memory is estimated separately, package estimate).
const (
	// MaxFileSize is the largest model file read, in bytes (16 MiB).
	MaxFileSize = 16 << 20
	// MaxNodes is the most YAML values (scalars, lists, mappings; keys
	// included) a file may hold, counting every alias as the values it
	// stands for. The YAML library takes about 200 bytes per value, so the parse
	// tree stays below about 200 MB.
	MaxNodes = 1_000_000
	// maxTokens bounds the tokens of the text before the YAML library builds its
	// tree: a cheap count (scalars, indicators, commas) that is at least
	// about half the values the tree would get.
	maxTokens = 2 * MaxNodes
	// MaxErrors is the most problems Parse reports; the rest are counted
	// in a last line.
	MaxErrors = 100
)

// ReadFile reads a model file safely: only a regular file (a FIFO, a
// device such as /dev/zero or a directory is refused, checked before
// opening it and again on the opened file), of at most MaxFileSize bytes
// (checked before reading; a file that grows while it is read is cut off
// and refused too).
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regularAndSmall(path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := regularAndSmall(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes (16 MiB), the largest model file read (it grew while being read)", path, MaxFileSize)
	}
	return data, nil
}

// ErrNotRegular is returned (wrapped) by ReadFile for a path that is not a
// regular file.
var ErrNotRegular = errors.New("not a regular file")

func regularAndSmall(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		what := "a special file"
		switch t := fi.Mode().Type(); {
		case t&fs.ModeDir != 0:
			what = "a directory"
		case t&fs.ModeNamedPipe != 0:
			what = "a named pipe (FIFO)"
		case t&fs.ModeDevice != 0, t&fs.ModeCharDevice != 0:
			what = "a device"
		case t&fs.ModeSocket != 0:
			what = "a socket"
		}
		return fmt.Errorf("%s: %w: it is %s; a model file must be a regular file", path, ErrNotRegular, what)
	}
	if fi.Size() > MaxFileSize {
		return fmt.Errorf("%s: file of %d bytes: larger than %d bytes (16 MiB), the largest model file read", path, fi.Size(), MaxFileSize)
	}
	return nil
}

// countTokens counts, cheaply and without building anything, the tokens
// of YAML text: runs of characters that are not blanks or flow
// indicators, flow openers, commas, and ": " / "- " / "? " indicators.
// Quoted scalars count once; comments not at all. Every value of the tree
// the YAML library would build owns at least about half a token, so a text of few
// tokens makes a small tree. It stops counting past limit.
func countTokens(data []byte, limit int) int {
	n := 0
	inRun := false
	for i := 0; i < len(data) && n <= limit; i++ {
		c := data[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			inRun = false
		case '#':
			if !inRun { // a comment: to the end of the line
				for i < len(data) && data[i] != '\n' {
					i++
				}
			}
		case '[', '{', ',':
			n++
			inRun = false
		case ']', '}':
			inRun = false
		case '"', '\'':
			if inRun {
				continue
			}
			n++
			// Skip the quoted scalar ("" and '' escapes included).
			for i++; i < len(data); i++ {
				if data[i] == '\\' && c == '"' {
					i++
					continue
				}
				if data[i] == c {
					if c == '\'' && i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case ':', '-', '?':
			if i+1 == len(data) || isBlank(data[i+1]) {
				n++ // an indicator: a mapping, a list item, a null value
				inRun = false
				continue
			}
			fallthrough
		default:
			if !inRun {
				n++
				inRun = true
			}
		}
	}
	return n
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// expandedSize returns the number of values of the tree under n, every
// alias counted as the values it stands for (so a "billion laughs" of
// nested aliases counts its expansion), stopping past limit. An alias to
// a node being counted (a cycle) counts once.
func expandedSize(n *yaml.Node, limit int64) int64 {
	memo := map[*yaml.Node]int64{}
	var size func(n *yaml.Node, depth int) int64
	size = func(n *yaml.Node, depth int) int64 {
		if n == nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1
			}
			return size(n.Alias, depth+1)
		}
		if s, ok := memo[n]; ok {
			return s
		}
		if depth > 20000 {
			return limit + 1
		}
		memo[n] = 1 // in progress: a cycle counts once
		s := int64(1)
		for _, c := range n.Content {
			s += size(c, depth+1)
			if s > limit {
				s = limit + 1
				break
			}
		}
		memo[n] = s
		return s
	}
	return size(n, 0)
}
