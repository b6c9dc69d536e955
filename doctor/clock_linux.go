package doctor

import "golang.org/x/sys/unix"

// clockSynced asks the kernel (adjtimex) whether NTP keeps the clock in
// step: STA_UNSYNC is set while it does not.
func clockSynced() (synced, ok bool) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, false
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0, true
}
