import Foundation
import TestProcesses
import WebTokens

/// Keys of every family, made by Debian's `openssl` (and random bytes for the secrets), in files
/// so PyJWT can read them too.
struct TestKeys {
    let directory: TemporaryDirectory
    private(set) var privatePEM: [KeyFamily: String] = [:]
    private(set) var publicPEM: [KeyFamily: String] = [:]
    private(set) var secrets: [KeyFamily: [UInt8]] = [:]

    init(_ families: [KeyFamily]) async throws {
        directory = try TemporaryDirectory()
        for family in families {
            if family.takesSecret {
                secrets[family] = (0..<64).map { _ in UInt8.random(in: 0...255) }
                try Data(secrets[family]!).write(to: URL(fileURLWithPath: privatePath(family)))
                continue
            }
            try await check(["openssl", "genpkey"] + Self.generateArguments(family) + ["-out", privatePath(family)])
            try await check(["openssl", "pkey", "-in", privatePath(family), "-pubout", "-out", publicPath(family)])
            privatePEM[family] = try String(contentsOfFile: privatePath(family), encoding: .utf8)
            publicPEM[family] = try String(contentsOfFile: publicPath(family), encoding: .utf8)
        }
    }

    /// The file PyJWT signs with: the secret or the private key.
    func privatePath(_ family: KeyFamily) -> String { directory.path("\(family.rawValue).key") }
    /// The file PyJWT verifies with: the secret or the public key.
    func publicPath(_ family: KeyFamily) -> String {
        family.takesSecret ? privatePath(family) : directory.path("\(family.rawValue).pub")
    }

    /// Keys that verify only: secrets and public keys.
    func verifying(_ families: [KeyFamily]) async throws -> WebTokenKeys {
        try await WebTokenKeys(material(families, publicOnly: true))
    }

    /// Keys that sign: secrets and private keys.
    func signing(_ families: [KeyFamily]) async throws -> WebTokenKeys {
        try await WebTokenKeys(material(families, publicOnly: false))
    }

    private func material(_ families: [KeyFamily], publicOnly: Bool) -> [KeyFamily: [UInt8]] {
        var keys: [KeyFamily: [UInt8]] = [:]
        for family in families {
            keys[family] = secrets[family] ?? Array((publicOnly ? publicPEM : privatePEM)[family]!.utf8)
        }
        return keys
    }

    private static func generateArguments(_ family: KeyFamily) -> [String] {
        switch family {
        case .es256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        case .es384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
        case .eddsa: ["-algorithm", "ed25519"]
        default: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        }
    }

    private func check(_ arguments: [String]) async throws {
        let result = try await Command.run(arguments)
        guard result.status == 0 else {
            throw PyJWTFailed(message: "\(arguments.joined(separator: " ")): \(result.errorOutput)")
        }
    }
}
