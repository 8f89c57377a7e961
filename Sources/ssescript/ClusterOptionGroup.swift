import ArgumentParser
import Cluster
import RedisClient

/// `serve`'s options for running as one instance of several: `--redis` and `--node`.
struct ClusterOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run as one instance of a cluster sharing this Redis: topics, histories, ids and timers are shared.",
            valueName: "redis://[user:password@]host:port[/db]"))
    var redis: String?

    @Option(help: ArgumentHelp("This instance's name in logs and in the timer lease. Default: hostname:port."))
    var node: String?

    func validate() throws {
        if let redis {
            do {
                _ = try RedisURL(parsing: redis)
            } catch {
                throw ValidationError("--redis: \(error)")
            }
        }
        if let node {
            guard redis != nil else {
                throw ValidationError("--node names an instance of a cluster; give --redis too.")
            }
            guard !node.isEmpty, !node.contains(where: \.isWhitespace) else {
                throw ValidationError("--node must be a name without spaces, like web-1.")
            }
        }
    }

    /// The cluster settings, or nil when serving alone.
    func configuration(port: Int) -> ClusterNode.Configuration? {
        guard let redis, let url = try? RedisURL(parsing: redis) else { return nil }
        return ClusterNode.Configuration(url: url, node: node ?? ClusterNode.defaultName(port: port))
    }
}
