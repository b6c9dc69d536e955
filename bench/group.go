package bench

import (
	"context"
	"time"
)

// group is the clients a fan-out or burst runs on: this process's Fleet, or
// the fleets of worker processes when one process may not hold them all.
type group interface {
	// Live is how many clients are connected.
	Live() int
	// Arm prepares for the next n broadcasts.
	Arm(n int) armed
}

// armed follows a run of n broadcasts on a group.
type armed interface {
	// Expect is called just before broadcast i is triggered: it is complete
	// when every client connected now has it.
	Expect(i int)
	// Wait returns when broadcast i reached every client it was expected
	// at, with the time the last one got it; ok is false on timeout.
	Wait(ctx context.Context, i int, timeout time.Duration) (at time.Time, ok bool, err error)
	// Delivered is how many receipts of these broadcasts there have been.
	Delivered() int64
}

// Arm implements group for this process's clients.
func (f *Fleet) Arm(n int) armed { return localArmed{f, f.arm(n)} }

type localArmed struct {
	f *Fleet
	p *phase
}

func (a localArmed) Expect(i int) { a.f.expect(a.p, i) }

func (a localArmed) Wait(ctx context.Context, i int, timeout time.Duration) (time.Time, bool, error) {
	m := &a.p.marks[i]
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-m.done:
		return time.Unix(0, m.at.Load()), true, nil
	case <-t.C:
		return time.Time{}, false, nil
	case <-ctx.Done():
		return time.Time{}, false, ctx.Err()
	}
}

func (a localArmed) Delivered() int64 {
	var n int64
	for i := range a.p.marks {
		n += a.p.marks[i].reached.Load()
	}
	return n
}
