#!/usr/bin/env python3
"""A small SSE server that is not ssescript, for FeedClientTests: `feed_server.py`, prints its port.

Listens on 127.0.0.1 on a free port, prints the port on a line of its own, serves until killed.
  /tricky          chunked; the bytes of TRICKY, cut into chunks at awkward places, 50 ms apart,
                   then stays open
  /ending          close-delimited; two events, then the server ends the stream
  /tick?ms=M       chunked; `data: <CLOCK_REALTIME us> <n>` every M ms, ids 1, 2, ...
  /echo            one event whose data is the request's X-Feed-Test header
  /redirect        302 to /tricky
  anything else    404
"""
import http.server
import socketserver
import sys
import time
import urllib.parse

# A stream a parser must get right: CR-only, CRLF and LF line ends, a BOM, multi-line and empty
# data, ids (one reset to empty), a retry, a bad retry, comments, an event type, unicode, and an
# id set by a blank line without data at the end.
TRICKY = (
    b"\xef\xbb\xbf: hello\r"
    b"retry: 2500\r"
    b"event: greeting\rid: 1\rdata: first\rdata: second\r\r"
    b"data:\r\n\r\n"
    b"data: na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x98\x80\n"
    b"data:  two spaces, a tab\there, a trailing space \n\n"
    b"id:\nretry: soon\ndata: id reset\n\n"
    b"id: 7\n\n"
)
CUTS = [2, 5, 40, 41, 60, 61, 62, 90, 120, 150, 175]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def head(self, chunked=True):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            if url.path == "/tricky":
                self.head()
                start = 0
                for cut in CUTS + [len(TRICKY)]:
                    self.chunk(TRICKY[start:cut])
                    start = cut
                    time.sleep(0.05)
                time.sleep(3600)
            elif url.path == "/ending":
                self.head(chunked=False)
                self.wfile.write(b"data: one\n\ndata: two\n\n")
                self.wfile.flush()
                self.close_connection = True
            elif url.path == "/tick":
                self.head()
                ms = int(query.get("ms", ["100"])[0])
                n = 0
                while True:
                    n += 1
                    self.chunk(b"id: %d\ndata: %d %d\n\n" % (n, time.time_ns() // 1000, n))
                    time.sleep(ms / 1000)
            elif url.path == "/echo":
                self.head()
                self.chunk(b"data: %s\n\n" % self.headers.get("X-Feed-Test", "").encode())
                time.sleep(3600)
            elif url.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/tricky")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
