package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// workerFetch is go-app's (v10.1.11) fetch listener in its service worker:
// every request of the page goes through the worker, which answers from
// its cache or fetches it itself.
const workerFetch = `self.addEventListener("fetch", (event) => {
  event.respondWith(fetchWithCache(event.request));
});`

// workerFetchGETs leaves all but GETs to the browser. Nothing else is ever
// in the cache, and a request the worker passes on has its body read by
// the worker at once: an upload's progress (XMLHttpRequest's
// upload.onprogress, the composer's bar) would then count the bytes handed
// to the worker, 100% in a moment, not those sent to the server.
const workerFetchGETs = `self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") {
    return;
  }
  event.respondWith(fetchWithCache(event.request));
});`

// serviceWorker is go-app's worker with workerFetchGETs; it is go-app's
// own, unchanged, if a go-app release has changed the listener (a test
// says so).
var serviceWorker = strings.Replace(app.DefaultAppWorkerJS, workerFetch, workerFetchGETs, 1)
