package actions

import "fmt"

// AccessMode is who may chat.
type AccessMode string

const (
	AccessOpen    AccessMode = "open"    // anyone, as a guest or with an account
	AccessMembers AccessMode = "members" // only people with an account; signing up needs an invitation
)

// Set implements flag.Value.
func (a *AccessMode) Set(v string) error {
	switch AccessMode(v) {
	case AccessOpen, AccessMembers:
		*a = AccessMode(v)
		return nil
	}
	return fmt.Errorf("want open or members, not %q", v)
}

func (a *AccessMode) String() string { return string(*a) }

// BenchmarkAccess is who may trigger GET /benchmark, which turns one
// request into a delivery to every client.
type BenchmarkAccess string

const (
	BenchmarkLocal BenchmarkAccess = "local" // clients on this host, decided from the real peer
	BenchmarkAll   BenchmarkAccess = "all"   // anyone: for load tests from other hosts
	BenchmarkOff   BenchmarkAccess = "off"   // the endpoint is not served
)

// Set implements flag.Value: local, all or off (true and false, the old
// boolean flag's values, mean local and off).
func (b *BenchmarkAccess) Set(v string) error {
	switch v {
	case "local", "true":
		*b = BenchmarkLocal
	case "all":
		*b = BenchmarkAll
	case "off", "false":
		*b = BenchmarkOff
	default:
		return fmt.Errorf("want local, all or off, not %q", v)
	}
	return nil
}

func (b *BenchmarkAccess) String() string { return string(*b) }

// OperatorAccess is who may read the operator's figures (/metrics,
// /stats.json): counts, memory, the node's id.
type OperatorAccess string

const (
	OperatorLocal  OperatorAccess = "local"  // clients on this host, and admins
	OperatorAdmins OperatorAccess = "admins" // admins only
	OperatorAll    OperatorAccess = "all"    // anyone who reaches them (a -metrics-addr on a private network)
)

// Set implements flag.Value.
func (o *OperatorAccess) Set(v string) error {
	switch OperatorAccess(v) {
	case OperatorLocal, OperatorAdmins, OperatorAll:
		*o = OperatorAccess(v)
		return nil
	}
	return fmt.Errorf("want local, admins or all, not %q", v)
}

func (o *OperatorAccess) String() string { return string(*o) }
