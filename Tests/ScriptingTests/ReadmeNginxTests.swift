import Foundation
import Testing

extension Live.ReadmeTests {
    /// Debian's nginx, which the README's balancer examples are written for.
    static let nginx = "/usr/sbin/nginx"

    /// Each `nginx` block, as the `http { }` part of a configuration, passes
    /// `nginx -t` (it parses, and its upstreams and directives exist); nothing listens.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: nginx), "needs Debian's nginx"))
    func nginxConfigurationsPassNginxT() async throws {
        let configurations = Self.blocks("nginx", [nil])
        #expect(!configurations.isEmpty)
        for block in configurations {
            let prefix = try TemporaryScript.directory()
            let file = prefix + "/readme-\(block.line).conf"
            let configuration = """
                error_log stderr;
                pid \(prefix)/nginx.pid;
                events {}
                http {
                access_log off;
                \(block.text)
                }
                """
            try configuration.write(toFile: file, atomically: true, encoding: .utf8)
            let tested = try await onOwnThread {
                try run(Self.nginx, ["-t", "-q", "-p", prefix, "-e", "stderr", "-c", file])
            }
            #expect(tested.status == 0, "\(block): \(tested.errors)")
        }
    }
}
