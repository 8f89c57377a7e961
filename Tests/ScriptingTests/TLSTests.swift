import AsyncHTTPClient
import Foundation
import NIOSSL
import Testing

/// TLS with ALPN (h2 and http/1.1), read by curl, nghttp, AsyncHTTPClient and
/// Chromium; certificates that change while streams are open.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TLSTests {
    static let script = """
        sse.stream("/feed", function(client)
          client:send{ id = "1", data = client.protocol }
          client:close()
        end)
        sse.stream("/live", function(client) client:send(client.protocol) end)
        sse.every(0.05, function() sse.publish("/live", "tick") end)
        """

    /// An AsyncHTTPClient that accepts the test's certificates.
    static func client(http1Only: Bool = false) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 100)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private func run(_ executable: String, _ arguments: [String]) async throws -> String {
        try await onOwnThread { try ScriptingTests.run(executable, arguments).output }
    }

    @Test func curlNegotiatesH2OrHTTP1AndReadsTheStream() async throws {
        try await withLiveServer(script: Self.script, tls: .selfSigned) { live in
            #expect(live.url("/feed").hasPrefix("https://127.0.0.1:"))
            let h2 = try await run("/usr/bin/curl", ["-sk", "--http2", "-N", "--max-time", "5", live.url("/feed")])
            #expect(h2 == ": ok\nid: 1\ndata: h2\n\n")
            let h1 = try await run("/usr/bin/curl", ["-sk", "--http1.1", "-N", "--max-time", "5", live.url("/feed")])
            #expect(h1 == ": ok\nid: 1\ndata: http/1.1\n\n")
        }
    }

    @Test func nghttpReadsAStreamOverTLS() async throws {
        try await withLiveServer(script: Self.script, tls: .selfSigned) { live in
            let output = try await run("/usr/bin/nghttp", ["-v", "-t", "5", live.url("/feed")])
            #expect(output.contains("The negotiated protocol: h2"))
            #expect(output.contains("data: h2"))
        }
    }

    @Test func asyncHTTPClientReadsAStreamOverTLS() async throws {
        let client = Self.client()
        defer { _ = client.shutdown() }
        try await withLiveServer(script: Self.script, tls: .selfSigned) { live in
            let url = live.url("/feed")
            let events = try await withTimeout(10) {
                var stream = try await SSEClient.open(url, client: client)
                return try await stream.rest()
            }
            #expect(events.map(\.data) == ["h2"] && events.first?.id == "1")
        }
    }

    /// Twenty `EventSource`s from one page: over HTTP/2 they share one connection
    /// and all get their events; over HTTP/1.1 the browser's six connections per
    /// origin leave the rest waiting, which is what HTTP/2 fixes.
    @Test(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"))
    func twentyEventSourcesOnOnePageOverH2AndTheStallOverHTTP1() async throws {
        let script = #"""
            local page = [[<!doctype html><title>twenty</title><script>
              window.got = new Set(); window.protocols = new Set();
              for (let i = 0; i < 20; i++) {
                const source = new EventSource('/feed?n=' + i);
                source.onmessage = (e) => { window.got.add(i); window.protocols.add(e.data); };
              }
            </script>]]
            sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)
            sse.stream("/feed", function(client) client:send(client.protocol) end)
            """#
        let overH2 = try await withLiveServer(script: script, tls: .selfSigned) { live in
            let browser = try HeadlessChromium(ignoringCertificateErrors: true)
            try browser.open(live.url("/page"))
            _ = try await browser.waitFor("window.got.size === 20", seconds: 5)
            return try browser.evaluate("[...window.protocols].join(',')") as? String
        }
        #expect(overH2 == "h2")
        let overHTTP1 = try await withLiveServer(script: script) { live in
            let browser = try HeadlessChromium()
            try browser.open(live.url("/page"))
            _ = try await browser.waitFor("window.got.size >= 6", seconds: 10)
            try await Task.sleep(for: .seconds(2))
            return try browser.evaluate("window.got.size") as? Int
        }
        #expect(overHTTP1 == 6, "six connections per origin, the other fourteen wait")
    }

    /// The console works over https (HTTP/2) as it does in clear.
    @Test(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"))
    func theDemoPageStreamsOverHTTPS() async throws {
        let script = #"sse.stream("/sse", function(client) client:send{ event = "hello", data = client.protocol } end)"#
        try await withLiveServer(script: script, tls: .selfSigned) { live in
            let browser = try HeadlessChromium(ignoringCertificateErrors: true)
            try browser.open(live.url("/"))
            let row = try await browser.waitFor(
                "[...document.querySelectorAll('.events tr')].map((row) => row.textContent).find((row) => row.includes('hello'))",
                seconds: 15)
            #expect((row as? String)?.contains("h2") == true, "\(row)")
        }
    }

    /// Certificates renewed in place while 50 streams are open: new connections get
    /// the new certificate, the open streams go on; a broken file keeps the old one.
    @Test func rotatingTheCertificateKeepsOpenStreams() async throws {
        let directory = try TemporaryScript.directory()
        let (certificate, key) = (directory + "/cert.pem", directory + "/key.pem")
        let first = try Certificates.make(into: directory, name: "first")
        try Certificates.install(first, certificate: certificate, key: key)
        let client = Self.client(http1Only: true)
        defer { _ = client.shutdown() }
        try await withLiveServer(script: Self.script, tls: .files(certificate: certificate, key: key)) { live in
            let streams = (0..<50).map { _ in EventCollector(live.url("/live"), client: client) }
            defer { for stream in streams { stream.stop() } }
            for stream in streams { try await stream.waitFor { $0.count >= 2 } }
            #expect(try await Certificates.served(port: live.port) == first.fingerprint)

            let second = try Certificates.make(into: directory, name: "second")
            try Certificates.install(second, certificate: certificate, key: key)
            try await waitUntil(seconds: 5) { try await Certificates.served(port: live.port) == second.fingerprint }
            let counts = streams.map(\.data.count)
            for (stream, count) in zip(streams, counts) { try await stream.waitFor { $0.count >= count + 5 } }
            #expect(streams.allSatisfy { !$0.hasEnded }, "the open streams go on")

            try "not a certificate".write(toFile: certificate, atomically: true, encoding: .utf8)
            try await Task.sleep(for: .milliseconds(2500))  // more than the 1 s poll: it has been read
            #expect(
                try await Certificates.served(port: live.port) == second.fingerprint, "a bad file keeps the old one")
        }
    }
}

/// Test certificates made by `openssl` (an outside tool), and what a server serves.
enum Certificates {
    struct Made {
        let certificate: String
        let key: String
        let fingerprint: String
    }

    static func make(into directory: String, name: String) throws -> Made {
        let (certificate, key) = (directory + "/\(name).crt", directory + "/\(name).key")
        let made = try ScriptingTests.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                "-out", certificate,
            ])
        guard made.status == 0 else { throw CertificateError(made.errors) }
        let fingerprint = try ScriptingTests.run(
            "/usr/bin/openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])
        return Made(certificate: certificate, key: key, fingerprint: Self.value(of: fingerprint.output))
    }

    /// Puts a certificate and key in place as certbot does: each file renamed over the old.
    static func install(_ made: Made, certificate: String, key: String) throws {
        for (from, to) in [(made.key, key), (made.certificate, certificate)] {
            let staged = to + ".new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: from, toPath: staged)
            guard rename(staged, to) == 0 else { throw CertificateError("rename \(staged)") }
        }
    }

    /// The SHA-256 fingerprint of the certificate a new connection to `port` gets.
    static func served(port: Int) async throws -> String {
        try await onOwnThread {
            let shown = try ScriptingTests.run(
                "/bin/sh",
                [
                    "-c",
                    "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null"
                        + " | openssl x509 -noout -fingerprint -sha256",
                ])
            return Self.value(of: shown.output)
        }
    }

    private static func value(of line: String) -> String {
        String(line.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct CertificateError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
