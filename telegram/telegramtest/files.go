package telegramtest

import (
	"net/http"
	"strings"
)

// getFile answers with a File whose file_path is "files/<file_id>", the
// path to download it from at /file/bot<token>/files/<file_id>.
func (s *Server) getFile(p map[string]string) response {
	id := p["file_id"]
	if id == "" {
		return badRequest("invalid file_id")
	}
	path := "files/" + id
	return ok(map[string]any{
		"file_id":        id,
		"file_unique_id": "u" + id,
		"file_size":      len(fileBody(path)),
		"file_path":      path,
	})
}

// fileBody is the content of every downloaded file: the text
// "telegramtest file <path>", so a test can tell which file was fetched.
func fileBody(path string) string {
	return "telegramtest file " + path
}

// serveFile serves a file download; rest is the URL path after
// "/file/bot": "<token>/<path>".
func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, path, found := strings.Cut(rest, "/")
	switch {
	case token != s.Token:
		s.log("file download with a wrong token -> 401")
		writeResponse(w, apiError(http.StatusUnauthorized, "Unauthorized"))
	case !found || path == "":
		s.log("file download without a path -> 404")
		writeResponse(w, apiError(http.StatusNotFound, "Not Found"))
	default:
		s.log("file download -> 200")
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte(fileBody(path)))
	}
}
