package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spiral-sim/spiral/internal/transport"
)

const tlsUsage = `usage: spiral-node tls init DIR [--name NAME] [--host H[,H...]]
       spiral-node tls issue DIR NAME --host H[,H...]

init makes a certificate authority for a cluster in DIR (created 0700:
ca.pem, and ca-key.pem, which only "tls issue" needs: keep it off the
members) and a first member certificate (NAME.pem, NAME-key.pem; NAME
defaults to this machine's host name). issue makes the certificate of
another member, NAME, from the same authority, naming its hosts (IP
addresses or DNS names). Copy ca.pem, NAME.pem and NAME-key.pem to the
member's machine. Keys are written 0600; nothing is ever overwritten.`

// tlsCommand runs "spiral-node tls init|issue".
func tlsCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tlsUsage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, tlsUsage)
		return 0
	case "init":
		return tlsInit(args[1:], stdout, stderr)
	case "issue":
		return tlsIssue(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "spiral-node tls: unknown subcommand %q (init or issue)\n%s\n", args[0], tlsUsage)
	return 2
}

// positional parses fs over args, whose flags may come before, between and
// after the positional arguments, and returns those: code is −1 to go on,
// else the exit code (0 after --help, 2 for bad flags).
func positional(fs *flag.FlagSet, args []string, what string, stdout, stderr io.Writer) (pos []string, code int) {
	for {
		for len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
			pos, args = append(pos, args[0]), args[1:]
		}
		if code := parseFlags(fs, args, what, stdout, stderr); code >= 0 {
			return nil, code
		}
		if fs.NArg() == 0 {
			return pos, -1
		}
		args = fs.Args()
	}
}

// hostList splits a --host list.
func hostList(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func tlsInit(args []string, stdout, stderr io.Writer) int {
	const what = "spiral-node tls init"
	fs := flag.NewFlagSet("tls init", flag.ContinueOnError)
	name := fs.String("name", "", "the first member's name (default: this machine's host name)")
	hosts := fs.String("host", "", "the first member's hosts, IP addresses or DNS names, comma-separated")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), tlsUsage); fs.PrintDefaults() }
	pos, code := positional(fs, args, what, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "%s: want one directory, got %q\n%s\n", what, pos, tlsUsage)
		return 2
	}
	dir := pos[0]
	if *name == "" {
		h, err := os.Hostname()
		if err != nil || !transport.ValidMemberName(h) {
			h = "member"
		}
		*name = h
	}
	if !transport.ValidMemberName(*name) {
		fmt.Fprintf(stderr, "%s: --name %q: letters, digits, _ . -, not starting with _ . or -, at most 63 characters\n", what, *name)
		return 2
	}
	a, err := transport.InitDir(dir, "spiral cluster "+dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 1
	}
	if code := issueInto(a, dir, *name, hostList(*hosts), what, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "%s: a certificate authority (ca.pem; its key ca-key.pem, for spiral-node tls issue only) and member %s (%s.pem, %s-key.pem)\n",
		dir, *name, *name, *name)
	return 0
}

func tlsIssue(args []string, stdout, stderr io.Writer) int {
	const what = "spiral-node tls issue"
	fs := flag.NewFlagSet("tls issue", flag.ContinueOnError)
	hosts := fs.String("host", "", "the member's hosts, IP addresses or DNS names, comma-separated (required)")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), tlsUsage); fs.PrintDefaults() }
	pos, code := positional(fs, args, what, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "%s: want a directory and a member's name, got %q\n%s\n", what, pos, tlsUsage)
		return 2
	}
	dir, name := pos[0], pos[1]
	if !transport.ValidMemberName(name) {
		fmt.Fprintf(stderr, "%s: member name %q: letters, digits, _ . -, not starting with _ . or -, at most 63 characters\n", what, name)
		return 2
	}
	hs := hostList(*hosts)
	if len(hs) == 0 {
		fmt.Fprintf(stderr, "%s: --host: give the member's hosts (IP addresses or DNS names)\n", what)
		return 2
	}
	a, err := transport.LoadDir(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 1
	}
	if code := issueInto(a, dir, name, hs, what, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "%s: member %s (%s.pem, %s-key.pem) for %s\n", dir, name, name, name, strings.Join(hs, ", "))
	return 0
}

// issueInto issues member name's certificate from a and saves it in dir.
func issueInto(a *transport.Authority, dir, name string, hosts []string, what string, stderr io.Writer) int {
	id, err := a.IssueFor(name, hosts)
	if err == nil {
		err = transport.SaveIdentity(dir, id)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return 1
	}
	return 0
}
