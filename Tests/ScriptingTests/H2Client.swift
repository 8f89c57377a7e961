/// Python's `h2` (hyper-h2) over a plain socket: an HTTP/2 client nobody here
/// wrote that can misbehave on purpose (grant no flow-control window, flood the
/// server with resets). Each function is a Python program; it prints one line of
/// results and exits 0, or fails with a message.
enum H2Client {
    /// Shared by the programs: a prior-knowledge (h2c) connection and a reader.
    private static let prelude = #"""
        import socket, sys, time
        import h2.connection, h2.config, h2.errors, h2.events, h2.exceptions, h2.settings, hyperframe.frame

        def connect(port, window=65535):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
            sock.sendall(conn.data_to_send())
            return sock, conn

        def request(conn, path, stream_id=None):
            stream_id = stream_id or conn.get_next_available_stream_id()
            conn.send_headers(stream_id, [(":method", "GET"), (":path", path), (":scheme", "http"),
                                          (":authority", "127.0.0.1")], end_stream=True)
            return stream_id

        def frames(sock, seconds):
            """Every frame the server sends until it closes or `seconds` pass, parsed by hyperframe."""
            deadline, data = time.time() + seconds, b""
            sock.settimeout(0.2)
            while time.time() < deadline:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                data += chunk
            parsed, at = [], 0
            while at + 9 <= len(data):
                frame, length = hyperframe.frame.Frame.parse_frame_header(memoryview(data[at:at + 9]))
                frame.parse_body(memoryview(data[at + 9:at + 9 + length]))
                parsed.append(frame)
                at += 9 + length
            return parsed

        def events(sock, conn, until, seconds):
            deadline = time.time() + seconds
            seen = []
            sock.settimeout(0.2)
            while time.time() < deadline and not until(seen):
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    seen.append("reset")
                    break
                if not data:
                    seen.append("eof")
                    break
                try:
                    seen.extend(conn.receive_data(data))
                except h2.exceptions.ProtocolError:
                    # h2 takes nothing more once a GOAWAY closed its connection (the
                    # server's PING and last frames after it): the GOAWAY came.
                    if conn.state_machine.state == h2.connection.ConnectionState.CLOSED:
                        seen.append("goaway")
                    seen.append("closed")
                    break
                sock.sendall(conn.data_to_send())
            return seen

        """#

    /// Opens a stream on `path` granting no flow-control window, so nothing the
    /// server writes can reach it; prints what ended the stream and when.
    static let grantsNoWindow =
        prelude + #"""
            port, path = int(sys.argv[1]), sys.argv[2]
            sock, conn = connect(port, window=0)
            stream = request(conn, path)
            sock.sendall(conn.data_to_send())
            start = time.time()
            ended = lambda seen: any(isinstance(e, (h2.events.StreamReset, h2.events.ConnectionTerminated))
                                     or e in ("eof", "reset") for e in seen)
            seen = events(sock, conn, ended, 10)
            print(type(seen[-1]).__name__ if seen and not isinstance(seen[-1], str) else seen[-1:],
                  round(time.time() - start, 1))
            """#

    /// Sends `count` requests each reset at once (the "rapid reset" attack), then
    /// prints the error code of the GOAWAY that ends the connection, if one came.
    static let resetFlood =
        prelude + #"""
            port, count = int(sys.argv[1]), int(sys.argv[2])
            sock, conn = connect(port)
            try:
                for n in range(count):
                    stream = request(conn, "/feed")
                    conn.reset_stream(stream)
                    sock.sendall(conn.data_to_send())
            except (ConnectionResetError, BrokenPipeError):
                pass
            goaway = [f for f in frames(sock, 5) if isinstance(f, hyperframe.frame.GoAwayFrame)]
            print(h2.errors.ErrorCodes(goaway[0].error_code).name if goaway else "no goaway")
            """#

    /// Opens a stream and reads frames once the server stops: whether the stream
    /// ended (END_STREAM) before a GOAWAY came, and its error code.
    static let watchesAStop =
        prelude + #"""
            port, path = int(sys.argv[1]), sys.argv[2]
            sock, conn = connect(port)
            stream = request(conn, path)
            sock.sendall(conn.data_to_send())
            print("streaming", flush=True)
            seen = frames(sock, 10)
            names = [type(f).__name__ + ("+END_STREAM" if "END_STREAM" in f.flags else "") for f in seen]
            ended = "DataFrame+END_STREAM" in names
            goaway = [f for f in seen if isinstance(f, hyperframe.frame.GoAwayFrame)]
            in_order = ended and goaway and names.index("DataFrame+END_STREAM") < names.index("GoAwayFrame")
            print("ended" if in_order else "not ended before goaway",
                  h2.errors.ErrorCodes(goaway[0].error_code).name if goaway else "no goaway")
            """#
}
