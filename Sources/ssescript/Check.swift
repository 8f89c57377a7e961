import ArgumentParser
import Scripting

/// `ssescript check SCRIPT`: loads the script and runs its top level without serving.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a script without serving it; print its errors with file:line.")

    @OptionGroup var script: ScriptOptionGroup

    func run() async throws {
        do {
            try await ScriptServer.check(scriptPath: script.script, options: script.scriptOptions)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        print("\(script.script): ok")
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

/// Standard error, unbuffered.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { writeAll(string, to: STDERR_FILENO) }
}

/// Standard output, unbuffered: lines reach a pipe at once, not at exit.
struct StandardOutput: TextOutputStream {
    mutating func write(_ string: String) { writeAll(string, to: STDOUT_FILENO) }
}

private func writeAll(_ string: String, to descriptor: Int32) {
    var string = string
    string.withUTF8 { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
}

#if canImport(Glibc)
    import Glibc
#endif
