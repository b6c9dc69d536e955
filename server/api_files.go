package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"

	"chat/internal/throttle"
	"chat/server/files"
	"chat/server/rooms"
	"chat/wire"
)

// Attachments (README "Files"). Who may call what:
//
//	POST /api/rooms/{id}/files?name=N  an account's holder who may send to the room: the body is the file's bytes
//	GET  /files/{id}                   a session's or connection token's holder who may read the file's room (its uploader alone until a message carries it)
//	GET  /files/{id}/thumb             the same: an image's thumbnail
//
// An upload is refused from another site, as every call that changes
// something; guests may not upload (a file outlives a guest's session,
// and a guest costs nothing to make). A file nobody may see answers 404,
// the same as a file that is not there, so that an id tells nothing.

// uploadsPerHour is how many files one person may upload an hour.
const uploadsPerHour = 200

func (s *Server) fileRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/rooms/{id}/files", s.sameSite(s.apiUpload))
	mux.HandleFunc("GET /files/{id}", s.serveFile)
	mux.HandleFunc("GET /files/{id}/thumb", s.serveFile)
}

func newUploadThrottle() *throttle.Throttle { return throttle.New(uploadsPerHour, time.Hour) }

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return
	}
	if sess.Guest {
		apiFail(w, http.StatusForbidden, "sign up to share files: guests may not upload")
		return
	}
	room := r.PathValue("id")
	if err := wire.ValidRoom(room); err != nil {
		apiError(w, err)
		return
	}
	if err := s.rooms.Can(r.Context(), sessionWho(sess), rooms.Join, room); err != nil {
		apiError(w, err)
		return
	}
	limit := s.files.Limits().MaxFile
	if r.ContentLength > limit {
		apiFail(w, http.StatusRequestEntityTooLarge, "file too big: the limit is "+files.Bytes(limit)+" a file")
		return
	}
	if !allowed(w, s.throttles.uploads, sess.User, "files uploaded") {
		return
	}
	// Read past the limit by one byte: Put says "too big" itself, and the
	// connection is not left with an unread body.
	body := http.MaxBytesReader(w, r.Body, limit+1)
	in, err := s.files.Put(r.Context(), room, sess.User, r.URL.Query().Get("name"), body)
	if err != nil {
		uploadError(w, err)
		return
	}
	s.metrics.Uploads.Add(1)
	writeJSON(w, http.StatusCreated, map[string]wire.File{"file": in.File})
}

// uploadError answers a refused upload with what a person can do about it.
func uploadError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, files.ErrTooBig), errors.As(err, &mbe):
		apiFail(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, files.ErrQuota):
		apiFail(w, http.StatusInsufficientStorage, err.Error()+": delete some of your messages with files to make room")
	case errors.Is(err, files.ErrFull):
		apiFail(w, http.StatusInsufficientStorage, "the server's file store is full; it takes files again when its operator frees space or raises -files-max-bytes")
	case errors.Is(err, files.ErrBadImage), errors.Is(err, files.ErrEmptyFile):
		apiFail(w, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, files.ErrBusy):
		w.Header().Set("Retry-After", "2")
		apiFail(w, http.StatusServiceUnavailable, "too many uploads at once: try again in a moment")
	default:
		apiFail(w, http.StatusServiceUnavailable, "the file was not stored; try again in a moment")
	}
}

// serveFile answers a file's bytes, or its thumbnail's, to whoever may
// read its room. The bytes are never a document of our origin: only the
// raster image types are shown inline; everything else is a download, and
// the response may run nothing (CSP sandbox, nosniff).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	who, tokenRooms, ok := s.fileReader(w, r)
	if !ok {
		return
	}
	in, err := s.files.Stat(r.Context(), r.PathValue("id"))
	if err == nil && in.Seq == 0 && in.Owner != who.User {
		err = files.ErrNotFound // not sent yet: its uploader's alone
	}
	if err == nil {
		if tokenRooms != nil {
			if !slices.Contains(tokenRooms, in.Room) {
				err = files.ErrNotFound // the token's rooms, and no other
			}
		} else if cerr := s.rooms.Can(r.Context(), who, rooms.Join, in.Room); cerr != nil {
			err = files.ErrNotFound
		}
	}
	thumb := len(r.URL.Path) > len("/thumb") && r.URL.Path[len(r.URL.Path)-len("/thumb"):] == "/thumb"
	var obj files.Object
	if err == nil {
		obj, err = s.files.Open(r.Context(), in, thumb)
	}
	if errors.Is(err, files.ErrNotFound) {
		apiFail(w, http.StatusNotFound, "no such file")
		return
	}
	if err != nil {
		apiFail(w, http.StatusServiceUnavailable, "the file could not be read; try again in a moment")
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", obj.Type)
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	disposition := "attachment"
	if files.IsImage(obj.Type) {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": in.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// An id's bytes never change; only its reader's right to them does,
	// so a browser keeps them, a shared cache does not.
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, obj); err != nil && r.Context().Err() == nil {
		s.log.Warn("file not served whole", "file", in.ID, "err", err)
	}
}

// fileReader is who asks for a file: a connection token's holder (a
// site's page embedding the chat, with ?token= or a Bearer header: an
// <img> sends no header, hence the query), else the session's. A token
// naming rooms reads those rooms' files and no other (tokenRooms).
func (s *Server) fileReader(w http.ResponseWriter, r *http.Request) (who rooms.Who, tokenRooms []string, ok bool) {
	if requestToken(r) != "" {
		tok, err := s.connectionToken(r)
		if err != nil {
			apiFail(w, http.StatusUnauthorized, err.Error())
			return rooms.Who{}, nil, false
		}
		return rooms.Who{User: tok.user, Account: true}, tok.rooms, true
	}
	sess, ok := s.sessionOf(w, r)
	return sessionWho(sess), nil, ok
}

// attach checks the files a send names (each the sender's, uploaded for
// this room and carried by no other message) and returns what the server
// knows of them, for the stored message.
func (ss *session) attach(ctx context.Context, room, id string, named []wire.File) ([]files.Info, error) {
	if len(named) > wire.MaxFiles {
		return nil, wire.Errorf(wire.CodeBadField, "a message carries at most %d files", wire.MaxFiles)
	}
	out := make([]files.Info, 0, len(named))
	for _, f := range named {
		in, err := ss.srv.files.Stat(ctx, f.ID)
		if err != nil && !errors.Is(err, files.ErrNotFound) {
			return nil, wire.Errorf(wire.CodeUnavailable, "the files could not be read (%v); send again", err)
		}
		if err != nil || in.Owner != ss.user || ss.user == "" || in.Room != room || (in.Seq != 0 && !ss.resentWith(ctx, room, in.Seq, id)) {
			return nil, wire.Errorf(wire.CodeBadField, "file %q is not one you uploaded for this message", f.ID)
		}
		out = append(out, in)
	}
	return out, nil
}

// resentWith says whether the message seq is this sender's with client id
// id: a send resent after its ack was lost names the files the first one
// attached, and the store will recognise it.
func (ss *session) resentWith(ctx context.Context, room string, seq uint64, id string) bool {
	m, ok, err := ss.srv.broker.Message(ctx, room, seq)
	return err == nil && ok && m.ID == id && m.User == ss.user
}
