import Foundation
import TestProcesses

/// Certificates and fingerprints made by Debian's `openssl`, so the tests compare against a tool nobody here wrote.
enum OpenSSL {
    enum KeyKind {
        case rsa2048
        case ecP256

        var newKeyArguments: [String] {
            switch self {
            case .rsa2048: ["-newkey", "rsa:2048"]
            case .ecP256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            }
        }
    }

    /// `openssl req -x509`: a self-signed certificate for localhost and its unencrypted key.
    static func selfSigned(certificate: String, key: String, kind: KeyKind, commonName: String = "localhost")
        async throws
    {
        try await check(
            ["openssl", "req", "-x509"] + kind.newKeyArguments + [
                "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(commonName)",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
    }

    /// A CA and a leaf it signs; writes `leaf + CA` to `chain` (like certbot's fullchain.pem) and the leaf's key.
    static func chain(in directory: TemporaryDirectory, chain: String, key: String) async throws {
        let caKey = directory.path("ca.key")
        let caCertificate = directory.path("ca.pem")
        let request = directory.path("leaf.csr")
        let leaf = directory.path("leaf.pem")
        try await check(
            ["openssl", "req", "-x509"] + KeyKind.ecP256.newKeyArguments + [
                "-nodes", "-keyout", caKey, "-out", caCertificate, "-days", "2", "-subj", "/CN=ssescript test CA",
            ])
        try await check(
            ["openssl", "req", "-new"] + KeyKind.ecP256.newKeyArguments + [
                "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=localhost",
            ])
        try await check([
            "openssl", "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial",
            "-out", leaf, "-days", "2",
        ])
        let fullChain =
            try String(contentsOfFile: leaf, encoding: .utf8)
            + String(contentsOfFile: caCertificate, encoding: .utf8)
        try fullChain.write(toFile: chain, atomically: true, encoding: .utf8)
    }

    /// `openssl x509 -fingerprint -sha256` of the first certificate in `pem`: `AA:BB:…`.
    static func fingerprint(ofPEM pem: String) async throws -> String {
        let result = try await check(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input: pem)
        // "sha256 Fingerprint=AA:BB:..."
        guard let equals = result.output.firstIndex(of: "=") else { return "" }
        return result.output[result.output.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `openssl x509 -text` of `pem`.
    static func text(ofPEM pem: String) async throws -> String {
        try await check(["openssl", "x509", "-noout", "-text"], input: pem).output
    }

    /// The first PEM certificate in some program's output.
    static func firstCertificate(in text: String) -> String? {
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.lowerBound..<end.upperBound]) + "\n"
    }

    @discardableResult
    static func check(_ arguments: [String], input: String = "") async throws -> CommandResult {
        let result = try await Command.run(arguments, input: input)
        guard result.status == 0 else {
            throw CommandFailed(arguments: arguments, status: result.status, errorOutput: result.errorOutput)
        }
        return result
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let errorOutput: String

    var description: String { "\(arguments.joined(separator: " ")) exited \(status): \(errorOutput)" }
}
