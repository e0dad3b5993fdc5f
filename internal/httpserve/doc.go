// Package httpserve runs an http.Server until its context ends, then stops
// it without letting a client hold the stop.
//
// http.Server.Shutdown waits for every connection that is not idle, those
// of clients still sending a request included, and a connection accepted
// whose request never came counts as busy for 5 s: a keep-alive client
// that dialled a connection it then had no use for (net/http's transport
// does, under load) holds the stop that long. Run waits only for the
// connections answering a request, then closes every one.
package httpserve
