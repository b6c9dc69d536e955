//go:build !unix

package broker

// diskFree is unknown where statfs is not.
func diskFree(string) (int64, bool) { return 0, false }
