package auth

import "strings"

// maxIDLen is far more than any id, user or code the store makes (a nuid
// is 22 characters, a guest's id 23, an invitation code 24) and far less
// than a NATS subject may be: a key longer than that makes the NATS
// server close the connection that sent it, for good.
const maxIDLen = 64

// plausibleID says whether id, from a request, could be one the store
// made, and so may be looked up: what could not is not found, at no cost.
func plausibleID(id string) bool {
	return id != "" && len(id) <= maxIDLen && !strings.ContainsAny(id, ".*> ")
}
