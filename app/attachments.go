package app

import (
	"context"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// attachment is a file put in the composer: uploading (Sent of Total
// bytes gone), uploaded (File is the server's description, which the send
// names), or refused (Err, the server's reason). It belongs to the room it
// was added in and is shown only there.
type attachment struct {
	Key     int
	Room    string
	Name    string
	Size    int64
	Preview string // a blob: URL of an image, for its thumbnail here; "" for others
	Sent    float64
	Total   float64
	File    *wire.File
	Err     string
}

// uploading reports whether the file is still on its way.
func (a attachment) uploading() bool { return a.File == nil && a.Err == "" }

// percent is how much has gone, 0 to 100.
func (a attachment) percent() int {
	if a.File != nil {
		return 100
	}
	if a.Total <= 0 {
		return 0
	}
	return min(int(a.Sent*100/a.Total), 100)
}

// attachUI is the composer's files, of every room, and what stops each
// upload (ended on removal). cancels is not rendered.
type attachUI struct {
	list    []attachment
	next    int
	cancels map[int]context.CancelFunc
}

// inRoom is the attachments of a room, in the order added.
func (u *attachUI) inRoom(room string) []attachment {
	var out []attachment
	for _, a := range u.list {
		if a.Room == room {
			out = append(out, a)
		}
	}
	return out
}

func (u *attachUI) find(key int) *attachment {
	for i := range u.list {
		if u.list[i].Key == key {
			return &u.list[i]
		}
	}
	return nil
}

// remove takes an attachment out, stops its upload and frees its preview.
func (u *attachUI) remove(key int) {
	for i, a := range u.list {
		if a.Key != key {
			continue
		}
		if cancel := u.cancels[key]; cancel != nil {
			cancel()
			delete(u.cancels, key)
		}
		if a.Preview != "" {
			app.Window().Get("URL").Call("revokeObjectURL", a.Preview)
		}
		u.list = append(u.list[:i:i], u.list[i+1:]...)
		return
	}
}

// ready returns the uploaded files of a room for a send, or why it cannot
// go yet: a file still uploading, or one refused that is still there.
func (u *attachUI) ready(room string) (files []wire.File, keys []int, wait string) {
	for _, a := range u.inRoom(room) {
		switch {
		case a.uploading():
			return nil, nil, "Wait a moment: a file is still uploading."
		case a.Err != "":
			return nil, nil, "Remove the file that could not be uploaded (×), then send."
		}
		files = append(files, *a.File)
		keys = append(keys, a.Key)
	}
	return files, keys, ""
}

// addFiles puts files (JS File objects from a paste, a drop or the picker)
// in the composer of the room on screen and starts uploading each at once,
// so that it is there by the time the text is written.
func (p *chatPage) addFiles(ctx app.Context, files []app.Value) {
	room := p.st.current
	for _, f := range files {
		if len(p.attach.inRoom(room)) >= wire.MaxFiles {
			p.st.lastError = "A message carries at most " + strconv.Itoa(wire.MaxFiles) + " files."
			return
		}
		p.attach.next++
		a := attachment{
			Key:   p.attach.next,
			Room:  room,
			Name:  f.Get("name").String(),
			Size:  int64(f.Get("size").Float()),
			Total: f.Get("size").Float(),
		}
		if a.Name == "" {
			a.Name = "pasted-image.png"
		}
		if strings.HasPrefix(f.Get("type").String(), "image/") {
			a.Preview = app.Window().Get("URL").Call("createObjectURL", f).String()
		}
		if p.st.guest {
			// The server refuses guests (403); no need to send the bytes
			// to be told.
			a.Err = "Sign up to share files: guests cannot attach them."
			p.attach.list = append(p.attach.list, a)
			continue
		}
		p.attach.list = append(p.attach.list, a)
		p.startUpload(ctx, a, f)
	}
}

// startUpload uploads one attachment in ctx.Async; its progress and its
// end change the list in ctx.Dispatch.
func (p *chatPage) startUpload(ctx app.Context, a attachment, file app.Value) {
	if p.attach.cancels == nil {
		p.attach.cancels = make(map[int]context.CancelFunc)
	}
	parent := p.loop
	if parent == nil {
		parent = context.Background()
	}
	upload, cancel := context.WithCancel(parent)
	p.attach.cancels[a.Key] = cancel
	shown := -1
	progress := func(sent, total float64) {
		// One render per percent at most: progress events come faster
		// than anyone reads them.
		pc := 0
		if total > 0 {
			pc = int(sent * 100 / total)
		}
		if pc == shown {
			return
		}
		shown = pc
		ctx.Dispatch(func(app.Context) {
			if at := p.attach.find(a.Key); at != nil && at.uploading() {
				at.Sent, at.Total = sent, total
			}
		})
	}
	ctx.Async(func() {
		f, err := uploadFile(upload, a.Room, a.Name, file, progress)
		ctx.Dispatch(func(app.Context) {
			delete(p.attach.cancels, a.Key)
			at := p.attach.find(a.Key)
			if at == nil {
				return // removed meanwhile
			}
			if err != nil {
				at.Err = err.Error()
				return
			}
			at.File, at.Sent = &f, at.Total
		})
	})
}

// onRemoveAttachment takes a file out of the composer (read from the
// button: go-app keeps a row's first handler).
func (p *chatPage) onRemoveAttachment(ctx app.Context, e app.Event) {
	key, err := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("key").String())
	if err != nil {
		return
	}
	p.attach.remove(key)
	focusAfterRender("composer-text")
}

// onAttachClick opens the file picker, a hidden input.
func (p *chatPage) onAttachClick(ctx app.Context, e app.Event) {
	if in := app.Window().GetElementByID("file-input"); in.Truthy() {
		in.Call("click")
	}
}

// listenAttachments takes files pasted into the composer, dropped on the
// chat, or picked. Raw listeners on the document: dragover fires many
// times a second, and a go-app handler would render the page each time.
func (p *chatPage) listenAttachments(ctx app.Context) {
	doc := app.Window().Get("document")
	p.listen(doc, "paste", func(e app.Value) {
		data := e.Get("clipboardData")
		if !data.Truthy() || e.Get("target").Get("id").String() != "composer-text" {
			return
		}
		files := fileList(data.Get("files"))
		if len(files) == 0 {
			return
		}
		// A screenshot comes as a file alone; text copied with an image
		// (from a web page) is still pasted as text.
		if data.Call("getData", "text/plain").String() == "" {
			e.Call("preventDefault")
		}
		ctx.Dispatch(func(ctx app.Context) { p.addFiles(ctx, files) })
	})
	dropHint := func(on bool) {
		if el := app.Window().GetElementByID("chat"); el.Truthy() {
			// An attribute go-app does not render, so that dragging
			// renders nothing.
			if on {
				el.Call("setAttribute", "data-dropping", "true")
			} else {
				el.Call("removeAttribute", "data-dropping")
			}
		}
	}
	carriesFiles := func(e app.Value) bool {
		dt := e.Get("dataTransfer")
		return dt.Truthy() && dt.Get("types").Call("includes", "Files").Bool()
	}
	p.listen(doc, "dragover", func(e app.Value) {
		if carriesFiles(e) && p.dialog.kind == "" {
			e.Call("preventDefault") // or the browser opens the file instead
			e.Get("dataTransfer").Set("dropEffect", "copy")
			dropHint(true)
		}
	})
	p.listen(doc, "dragleave", func(e app.Value) {
		if !e.Get("relatedTarget").Truthy() { // left the window
			dropHint(false)
		}
	})
	p.listen(doc, "drop", func(e app.Value) {
		dropHint(false)
		if !carriesFiles(e) || p.dialog.kind != "" {
			return
		}
		e.Call("preventDefault")
		files := fileList(e.Get("dataTransfer").Get("files"))
		ctx.Dispatch(func(ctx app.Context) { p.addFiles(ctx, files) })
	})
	p.listen(doc, "change", func(e app.Value) {
		in := e.Get("target")
		if in.Get("id").String() != "file-input" {
			return
		}
		files := fileList(in.Get("files"))
		in.Set("value", "") // the same file picked again is a change too
		ctx.Dispatch(func(ctx app.Context) {
			p.addFiles(ctx, files)
			focusAfterRender("composer-text")
		})
	})
}

// fileList copies a JS FileList: it may be emptied once the event is over.
func fileList(list app.Value) []app.Value {
	if !list.Truthy() {
		return nil
	}
	n := list.Get("length").Int()
	files := make([]app.Value, 0, n)
	for i := range n {
		files = append(files, list.Call("item", i))
	}
	return files
}

// renderAttachments is #attachments over the composer: each file with its
// thumbnail or kind, name, size, a progress bar while it uploads, the
// server's reason when it was refused, and a remove button.
func (p *chatPage) renderAttachments() app.UI {
	list := p.attach.inRoom(p.st.current)
	if len(list) == 0 {
		return nil
	}

	return app.Ul().ID("attachments").Class("attachments").Aria("label", "Files to send").Body(
		app.Range(list).Slice(func(i int) app.UI {
			a := list[i]
			state := "done"
			switch {
			case a.Err != "":
				state = "failed"
			case a.uploading():
				state = "uploading"
			}
			return app.Li().Class("attachment").DataSet("state", state).DataSet("key", a.Key).Body(
				app.If(a.Preview != "", func() app.UI {
					return app.Img().Class("attachment-thumb").Src(a.Preview).Alt("")
				}).Else(func() app.UI {
					return app.Span().Class("attachment-thumb file-kind").Aria("hidden", "true").Text(fileKind(a.Name, ""))
				}),
				app.Div().Class("attachment-info").Body(
					app.Span().Class("attachment-name").Title(a.Name).Text(a.Name),
					app.If(a.Err != "", func() app.UI {
						return app.Span().Class("attachment-error").Role("alert").Text(a.Err)
					}).ElseIf(a.uploading(), func() app.UI {
						pc := strconv.Itoa(a.percent())
						return app.Progress().Class("attachment-progress").Max(100).Value(pc).
							Aria("label", "Uploading "+a.Name).Title(pc + "%")
					}).Else(func() app.UI {
						return app.Span().Class("attachment-size").Text(byteSize(a.Size))
					}),
				),
				app.Button().Type("button").Class("icon-button small attachment-remove").
					DataSet("key", a.Key).Title("Remove "+a.Name).Aria("label", "Remove "+a.Name).
					OnClick(p.onRemoveAttachment).Body(closeIcon()),
			)
		}),
	)
}

// byteSize says a size as people read it.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 0, 64) + " kB"
	case n < 1000*1000*1000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
}

// fileKind is a short label for a file card: its extension, else a word
// for its type.
func fileKind(name, typ string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 && len(name)-i <= 6 {
		return strings.ToUpper(name[i+1:])
	}
	if main, _, ok := strings.Cut(typ, "/"); ok && main != "application" {
		return strings.ToUpper(main)
	}
	return "FILE"
}

func paperclipIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3l7.8-7.8" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}
