package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"chat/server/actions"
	"chat/server/files"
	"chat/wire"
)

// An upload's body is read before the file takes a checking slot, under
// a deadline that moves with what arrives: each read must bring bytes
// within Options.UploadIdle, and after as long again the body must keep
// up an average of uploadMinRate. A client that trickles, or stops, is cut
// off instead of holding memory and a share of the node's budget for ever.
const uploadMinRate = 16 << 10 // bytes a second

func (h *Handler) upload(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	body := &deadlineReader{r: r.Body, rc: http.NewResponseController(w), start: time.Now(), idle: h.opts.UploadIdle}
	f, err := h.actions.Upload(r.Context(), who, actions.UploadRequest{
		Room: r.PathValue("id"), Name: r.URL.Query().Get("name"), Size: r.ContentLength, Body: body,
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]wire.File{"file": f})
}

// deadlineReader reads a request body under a moving read deadline (see
// the constants above).
type deadlineReader struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	idle  time.Duration
	n     int64
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	now := time.Now()
	if since := now.Sub(d.start); since > d.idle && d.n < int64((since-d.idle).Seconds()*uploadMinRate) {
		return 0, actions.ErrBodyTimeout
	}
	_ = d.rc.SetReadDeadline(now.Add(d.idle))
	n, err := d.r.Read(p)
	d.n += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = actions.ErrBodyTimeout
	}
	return n, err
}

// readFile answers a file's bytes, or its thumbnail's, to whoever may
// read its room. The bytes are never a document of our origin: only the
// raster image types are shown inline; everything else is a download,
// and the response may run nothing (CSP sandbox, nosniff).
func (h *Handler) readFile(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	obj, in, err := h.actions.ReadFile(r.Context(), who, r.PathValue("id"), thumb)
	if err != nil {
		fail(w, err)
		return
	}
	defer obj.Close()
	hd := w.Header()
	hd.Set("Content-Type", obj.Type)
	hd.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	disposition := "attachment"
	if files.IsImage(obj.Type) {
		disposition = "inline"
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": in.Name}))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	// An id's bytes never change; only its reader's right to them does,
	// so a browser keeps them, a shared cache does not.
	hd.Set("Cache-Control", "private, max-age=31536000, immutable")
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, obj); err != nil && r.Context().Err() == nil {
		h.log.Warn("file not served whole", "file", in.ID, "err", err)
	}
}
