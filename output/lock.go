package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// LockFile is the advisory lock of a run directory: DIR/.lock, created by
// Begin, flock(2)-locked by the run for as long as it writes DIR (it holds
// the process id of that run), and removed when the run commits or aborts.
// A .lock that no process has locked is left by a killed run and is
// harmless.
const LockFile = ".lock"

// ErrInUse is wrapped by the error of Begin when another run, in this or
// another process, holds the directory's lock.
var ErrInUse = errors.New("in use")

// InUseError says which process holds a run directory.
type InUseError struct {
	Dir string
	PID int // 0 when the lock file does not name it (yet)
}

// Error implements error: "DIR is in use by pid N".
func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is in use by pid %d (another run writes it)", e.Dir, e.PID)
	}
	return fmt.Sprintf("%s is in use by another run", e.Dir)
}

// Unwrap makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Unwrap() error { return ErrInUse }

// dirLock is a held flock on DIR/.lock.
type dirLock struct {
	dir, path string
	f         *os.File
}

// lockDir creates dir when it does not exist (created then says so) and
// takes the lock DIR/.lock without waiting. The lock is an open file
// description's flock, so two runs in one process exclude each other as
// two processes do. A lock file that its holder removed (at commit or
// abort) between our open and our flock is noticed by comparing inodes,
// and the attempt is repeated.
func lockDir(dir string) (l *dirLock, created bool, err error) {
	path := filepath.Join(dir, LockFile)
	for attempt := 0; attempt < 100; attempt++ {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, false, err
			}
			created = true
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if errors.Is(err, os.ErrNotExist) {
			continue // dir removed by the run that just aborted: again
		}
		if err != nil {
			return nil, false, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, false, &InUseError{Dir: dir, PID: holder(path)}
			}
			return nil, false, fmt.Errorf("locking %s: %w", path, err)
		}
		var held, now unix.Stat_t
		if unix.Fstat(int(f.Fd()), &held) != nil || unix.Stat(path, &now) != nil || held.Ino != now.Ino || held.Dev != now.Dev {
			f.Close() // the file we locked was removed meanwhile
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, false, err
		}
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			f.Close()
			return nil, false, err
		}
		return &dirLock{dir: dir, path: path, f: f}, created, nil
	}
	return nil, false, fmt.Errorf("locking %s: the lock file keeps disappearing", path)
}

// holder reads the process id in a lock file, waiting briefly for the
// holder that has just taken the lock to write it; 0 if none.
func holder(path string) int {
	for i := 0; i < 50; i++ {
		b, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				return pid
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0
}

// release removes the lock file while it is still held (so that no other
// run can lock a file that is about to disappear), and the directory too
// when rmdir and it is empty, then unlocks. It may be called more than
// once.
func (l *dirLock) release(rmdir bool) {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	if rmdir {
		os.Remove(l.dir) // only if empty
	}
	l.f.Close()
	l.f = nil
}
