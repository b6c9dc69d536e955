package server

import (
	"chat/server/httpx"
	"io/fs"
	"os"
)

// uiFS is the UI the configuration names: the directory -web gave, else
// the embedded copy, else none.
func uiFS(cfg Config) (fsys fs.FS, source string) {
	switch {
	case cfg.WebDir != "":
		return os.DirFS(cfg.WebDir), cfg.WebDir
	case cfg.Web != nil:
		return cfg.Web, "embedded"
	}
	return emptyFS{}, "none"
}

// emptyFS is the UI of a server configured without one.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// UIHash is the hash of the UI in fsys that pages' version carries (see
// httpx.UIHash).
func UIHash(fsys fs.FS) string { return httpx.UIHash(fsys) }

// pushContact is the contact in the VAPID token: -push-contact, else the
// ACME contact, else one at the first ACME name (push services, Apple's
// first, refuse a token without one).
func (s *Server) pushContact() string {
	switch {
	case s.cfg.PushContact != "":
		return s.cfg.PushContact
	case s.cfg.ACMEEmail != "":
		return "mailto:" + s.cfg.ACMEEmail
	case len(s.cfg.ACMEDomains) > 0:
		return "mailto:admin@" + s.cfg.ACMEDomains[0]
	}
	return "mailto:admin@localhost"
}
