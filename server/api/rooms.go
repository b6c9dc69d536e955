package api

import (
	"net/http"

	"chat/server/actions"
	"chat/server/httpx"
	"chat/server/search"
)

type roomRequest struct {
	Kind  string   `json:"kind"`
	Title string   `json:"title"`
	With  []string `json:"with"`
	Name  string   `json:"name"`
	Topic string   `json:"topic"`
	Room  string   `json:"room"`
}

func (h *Handler) myRooms(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	list, err := h.actions.MyRooms(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]actions.RoomInfo{"rooms": list})
}

func (h *Handler) publicRooms(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	list, err := h.actions.PublicRooms(r.Context(), who, httpx.ClientOf(r).Key())
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]actions.PublicRoom{"rooms": list})
}

func (h *Handler) createRoom(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var req roomRequest
	if !readJSON(w, r, &req, maxBody) {
		return
	}
	rm, err := h.actions.CreateRoom(r.Context(), who, actions.CreateRoomRequest{Kind: req.Kind, Title: req.Title, With: req.With})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]actions.RoomInfo{"room": rm})
}

func (h *Handler) room(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	d, err := h.actions.Room(r.Context(), who, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	members := d.Members
	if members == nil {
		members = []actions.RoomMember{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"room": d.Room, "role": d.Room.Role, "members": members})
}

func (h *Handler) addMember(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var req roomRequest
	if !readJSON(w, r, &req, maxBody) {
		return
	}
	if err := h.actions.AddMember(r.Context(), who, r.PathValue("id"), req.Name); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.RemoveMember(r.Context(), who, r.PathValue("id"), r.PathValue("user")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) setTopic(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var req roomRequest
	if !readJSON(w, r, &req, maxBody) {
		return
	}
	if err := h.actions.SetTopic(r.Context(), who, r.PathValue("id"), req.Topic); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	q := r.URL.Query()
	results, err := h.actions.Search(r.Context(), who, q.Get("q"), q.Get("room"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]search.Result{"results": results})
}
