import Foundation
import TestProcesses

/// Python's PyJWT (`pip install pyjwt cryptography`), a JWT library nobody here wrote: it signs tokens for
/// us to verify and verifies the ones we sign.
enum PyJWT {
    private static let script = #"""
        import json, sys
        import jwt
        mode, alg, key_path, argument, options = sys.argv[1:6]
        key = open(key_path, "rb").read() if key_path else None
        try:
            if mode == "encode":
                headers = json.loads(options) or None
                print(jwt.encode(json.loads(argument), key, algorithm=alg, headers=headers))
            else:
                print(json.dumps(jwt.decode(argument, key, algorithms=[alg], **json.loads(options)), sort_keys=True))
        except jwt.PyJWTError as error:
            print("refused: %s: %s" % (type(error).__name__, error))
        """#

    /// A token PyJWT signs with the key in the file at `keyPath` (`nil` for `alg: none`).
    static func encode(
        _ claimsJSON: String,
        algorithm: String,
        keyPath: String?,
        headersJSON: String = "{}"
    ) async throws -> String {
        try await run("encode", algorithm, keyPath ?? "", claimsJSON, headersJSON)
    }

    /// The claims PyJWT decodes from `token` as sorted JSON, or `refused: <Error>: <reason>`.
    static func decode(
        _ token: String,
        algorithm: String,
        keyPath: String,
        optionsJSON: String = "{}"
    ) async throws -> String {
        try await run("decode", algorithm, keyPath, token, optionsJSON)
    }

    private static func run(_ arguments: String...) async throws -> String {
        let result = try await Command.run(["python3", "-c", script] + arguments)
        guard result.status == 0 else {
            throw PyJWTFailed(message: result.errorOutput + " (make test-deps installs pyjwt and cryptography)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct PyJWTFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { "python3 with PyJWT failed: \(message)" }
}
