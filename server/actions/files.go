package actions

import (
	"context"
	"errors"
	"io"
	"os"

	"chat/server/files"
	"chat/server/rooms"
	"chat/wire"
)

// Attachments. Who may:
//
//	upload   an account's holder who may send to the room (not a guest: a
//	         file outlives a guest's session, and guests cost nothing to make)
//	read     whoever may read the file's room (a session's or a connection
//	         token's holder; a token naming rooms reads only those rooms'
//	         files); until a message carries it, its uploader alone
//
// A file nobody may see answers NotFound, the same as a file that is not
// there, so that an id tells nothing.

// UploadRequest is a file uploaded for a room: its bytes come from Body,
// Size of them (the request's length, which must be given).
type UploadRequest struct {
	Room string
	Name string
	Size int64
	Body io.Reader
}

// ErrBodyTimeout is what a transport's reader of an upload answers when
// the body does not arrive in time (too slow, or stalled).
var ErrBodyTimeout = errors.New("the upload did not arrive in time")

// Upload takes in a file. The body is read whole before the file is
// checked; while it arrives it holds a share of the node's receiving
// budget (its length) and one of the person's few uploads at once, never
// one of the slots that check files, so that slow bodies cannot keep
// anyone else's upload waiting.
func (a *Actions) Upload(ctx context.Context, who Actor, req UploadRequest) (wire.File, error) {
	switch who.Kind {
	case Member:
	case Guest:
		return wire.File{}, fail(Forbidden, CodeSignIn, "sign up to share files: guests may not upload")
	default:
		return wire.File{}, errSignIn
	}
	if err := roomParam(req.Room); err != nil {
		return wire.File{}, err
	}
	if err := a.may(ctx, who, rooms.Join, req.Room); err != nil {
		return wire.File{}, err
	}
	limit := a.Files.Limits().MaxFile
	switch {
	case req.Size < 0:
		return wire.File{}, invalid(wire.CodeBadField, "say the file's length (Content-Length)")
	case req.Size > limit:
		return wire.File{}, fail(TooLarge, CodeTooLarge, "file too big: the limit is %s a file", files.Bytes(limit))
	}
	if err := allow(a.limits.uploads, who.User, "files uploaded in an hour"); err != nil {
		return wire.File{}, err
	}
	release, err := a.limits.takeUpload(ctx, who.User, req.Size)
	if err != nil {
		return wire.File{}, err
	}
	defer release()
	// One byte more than was said: a body longer than its length is
	// refused, not cut.
	data, err := io.ReadAll(io.LimitReader(req.Body, req.Size+1))
	switch {
	case errors.Is(err, ErrBodyTimeout), errors.Is(err, os.ErrDeadlineExceeded):
		return wire.File{}, fail(Invalid, CodeBadFile, "%s: send it again", ErrBodyTimeout.Error())
	case err != nil:
		return wire.File{}, fail(Invalid, CodeBadFile, "the upload did not arrive whole (%v)", err)
	case int64(len(data)) != req.Size:
		return wire.File{}, fail(Invalid, CodeBadFile, "the upload's length is not what it said (%d bytes, not %d)", len(data), req.Size)
	}
	in, err := a.Files.Put(ctx, req.Room, who.User, req.Name, data)
	if err != nil {
		return wire.File{}, refusal(err)
	}
	a.Metrics.Uploads.Add(1)
	return in.File, nil
}

// ReadFile opens a file, or its thumbnail, for someone who may read its
// room.
func (a *Actions) ReadFile(ctx context.Context, who Actor, id string, thumb bool) (files.Object, files.Info, error) {
	if !who.Identified() {
		return files.Object{}, files.Info{}, errSignIn
	}
	if err := fileParam(id); err != nil {
		return files.Object{}, files.Info{}, err
	}
	notFound := fail(NotFound, CodeNotFound, "no such file")
	in, err := a.Files.Stat(ctx, id)
	switch {
	case errors.Is(err, files.ErrNotFound):
		return files.Object{}, files.Info{}, notFound
	case err != nil:
		return files.Object{}, files.Info{}, unavailable(err, "the file could not be read")
	case in.Seq == 0 && in.Owner != who.User:
		return files.Object{}, files.Info{}, notFound // not sent yet: its uploader's alone
	}
	if err := a.may(ctx, who, rooms.Join, in.Room); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == Unavailable {
			return files.Object{}, files.Info{}, err
		}
		return files.Object{}, files.Info{}, notFound
	}
	obj, err := a.Files.Open(ctx, in, thumb)
	if errors.Is(err, files.ErrNotFound) {
		return files.Object{}, files.Info{}, notFound
	}
	if err != nil {
		return files.Object{}, files.Info{}, unavailable(err, "the file could not be read")
	}
	return obj, in, nil
}

// attach checks the files a send names (each the sender's, uploaded for
// this room and carried by no other message) and returns what the server
// knows of them, for the stored message: what the client said of a file
// is ignored.
func (a *Actions) attach(ctx context.Context, who Actor, room, id string, named []wire.File) ([]files.Info, error) {
	if len(named) > wire.MaxFiles {
		return nil, invalid(wire.CodeBadField, "a message carries at most %d files", wire.MaxFiles)
	}
	out := make([]files.Info, 0, len(named))
	for _, f := range named {
		notYours := invalid(wire.CodeBadField, "file %.40q is not one you uploaded for this message", f.ID)
		if wire.ValidFileID(f.ID) != nil {
			return nil, notYours
		}
		in, err := a.Files.Stat(ctx, f.ID)
		if err != nil && !errors.Is(err, files.ErrNotFound) {
			return nil, unavailable(err, "the files could not be read; send again")
		}
		if err != nil || !who.Identified() || in.Owner != who.User || in.Room != room || (in.Seq != 0 && !a.resentWith(ctx, who, room, in.Seq, id)) {
			return nil, notYours
		}
		out = append(out, in)
	}
	return out, nil
}

// resentWith says whether the message seq is the actor's with client id
// id: a send resent after its ack was lost names the files the first one
// attached, and the store will recognise it.
func (a *Actions) resentWith(ctx context.Context, who Actor, room string, seq uint64, id string) bool {
	m, ok, err := a.Broker.Message(ctx, room, seq)
	return err == nil && ok && m.ID == id && m.User == who.User
}
