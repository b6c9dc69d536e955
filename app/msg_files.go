package app

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// inlineBox is the largest box an image is shown in, in CSS pixels; a
// thumbnail (at most 640 a side) is scaled down into it.
const inlineBox = 320

// renderFiles is a message's attachments: images inline, other files as
// cards. Nothing for a message without.
func renderFiles(files []wire.File) app.UI {
	if len(files) == 0 {
		return nil
	}
	return app.Ul().Class("files").Body(
		app.Range(files).Slice(func(i int) app.UI {
			f := files[i]
			if f.TW > 0 && f.TH > 0 {
				return renderImage(f)
			}
			return renderFileCard(f)
		}),
	)
}

// imageBox is the size an image is shown at: its thumbnail's, scaled to
// fit inlineBox, never up. Known from the message before anything loads,
// so that the list does not jump when the image comes.
func imageBox(f wire.File) (w, h int) {
	w, h = f.TW, f.TH
	if w > inlineBox || h > inlineBox {
		scale := float64(inlineBox) / float64(max(w, h))
		w, h = max(int(float64(w)*scale+0.5), 1), max(int(float64(h)*scale+0.5), 1)
	}
	return w, h
}

// renderImage is an image's thumbnail, at its size from the start (width
// and height attributes and an aspect ratio, which CSS keeps when a
// narrow screen scales it down), linking to the full image in a new tab.
func renderImage(f wire.File) app.UI {
	w, h := imageBox(f)
	label := f.Name
	if f.W > 0 {
		label += " (" + strconv.Itoa(f.W) + "×" + strconv.Itoa(f.H) + ")"
	}
	return app.Li().Class("file image").Body(
		app.A().Class("image-link").Href("/files/" + f.ID).Target("_blank").Rel("noopener").
			Title("Open " + label + " in a new tab").Body(
			app.Img().Class("image").Src("/files/"+f.ID+"/thumb").Alt(f.Name).
				Width(w).Height(h).Attr("loading", "lazy").Attr("decoding", "async").
				Style("aspect-ratio", strconv.Itoa(w)+" / "+strconv.Itoa(h)),
		),
	)
}

// renderFileCard is a file that is not shown inline: its kind, name, size
// and type, and a link that downloads it (the server sends it as an
// attachment in any case).
func renderFileCard(f wire.File) app.UI {
	typ := f.Type
	if typ == "" {
		typ = "file"
	}
	return app.Li().Class("file card").Body(
		app.A().Class("file-card").Href("/files/"+f.ID).Attr("download", f.Name).
			Title("Download "+f.Name).Body(
			app.Span().Class("file-kind").Aria("hidden", "true").Text(fileKind(f.Name, f.Type)),
			app.Span().Class("file-info").Body(
				app.Span().Class("file-name").Text(f.Name),
				app.Span().Class("file-meta").Text(byteSize(f.Size)+" · "+typ),
			),
			app.Span().Class("file-download").Aria("hidden", "true").Body(downloadIcon()),
		),
	)
}

// renderPendingFiles names the files of a message not stored yet.
func renderPendingFiles(files []wire.File) app.UI {
	if len(files) == 0 {
		return nil
	}
	return app.Ul().Class("files pending-files").Body(
		app.Range(files).Slice(func(i int) app.UI {
			return app.Li().Class("file pending-file").Text("📎 " + files[i].Name)
		}),
	)
}

// botBadge marks a message a bot posted, as guestBadge marks a guest's.
func botBadge() app.UI {
	return app.Span().Class("bot-badge").Title("A bot: posted by a program").Text("bot")
}

func downloadIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18"><path d="M12 4v11M7 10l5 5 5-5M5 20h14" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}
