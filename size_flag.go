//go:build !js

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// sizeFlag is a byte count given as a number with an optional unit:
// 1073741824, 1GiB, 512MiB, 64KiB (or K, M, G, T, powers of 1024 too).
type sizeFlag struct{ n *int64 }

var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10},
	{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}, {"B", 0},
}

func (f sizeFlag) Set(v string) error {
	s := strings.TrimSpace(v)
	shift := uint(0)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return fmt.Errorf("want a size such as 1GiB, 512MiB or a number of bytes, not %q", v)
	}
	*f.n = n << shift
	return nil
}

func (f sizeFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return "" // no default shown: the flag's text says what it is
	}
	return formatSize(*f.n)
}

// formatSize writes n in the largest unit that divides it.
func formatSize(n int64) string {
	for _, u := range sizeUnits[:4] {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
