// swift-tools-version:6.2
import PackageDescription

/// Every Swift target: imports are internal unless marked `public`, and a member is
/// visible only where its module is imported, so the compiler checks the graph.
let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ssescript",
    products: [
        .executable(name: "ssescript", targets: ["ssescript"]),
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "EventStream", targets: ["EventStream"]),
        .library(name: "PushServer", targets: ["PushServer"]),
        .library(name: "Scripting", targets: ["Scripting"]),
        .library(name: "TLSIdentity", targets: ["TLSIdentity"]),
        .library(name: "WebTokens", targets: ["WebTokens"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "Cluster", targets: ["Cluster"]),
        .library(name: "Observability", targets: ["Observability"]),
        .executable(name: "redis-incr-bench", targets: ["RedisIncrBench"]),
        .library(name: "FeedClient", targets: ["FeedClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        // Metrics: the swift-metrics API in the server, Prometheus's text format on /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // FeedClient's `record` (TLS, redirects, headers); in tests, a client nobody here wrote.
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        // Tests only: swift-openapi-runtime's SSE decoder.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", exact: "1.13.4"),
        // TLS: certificates from files or made in memory.
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        // Also SHA1 of Redis server-side scripts (EVALSHA). 4.5.2, not 3.12.3: jwt-kit
        // 5.7.1 and 5.8.0 both require swift-crypto 4.1.0 or later.
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        // JWT: jwt-kit, and the base64url coder it uses itself.
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", exact: "1.2.0"),
    ],
    targets: [
        // Lua 5.4 from Debian's liblua5.4-dev, found through pkg-config.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // C side of the Swift/Lua boundary: macro wrappers, hooks, the trampoline.
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "LuaRuntime", dependencies: ["CLuaShim"]),
        .target(
            name: "EventStream",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PushServer",
            dependencies: [
                "EventStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Scripting",
            dependencies: [
                "LuaRuntime", "PushServer", "EventStream", "TLSIdentity", "WebTokens", "FeedClient", "Cluster",
                "RedisClient",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // /metrics and /healthz on a listener of their own, the Prometheus exporter
        // behind swift-metrics, and the text and JSON log lines.
        .target(
            name: "Observability",
            dependencies: [
                "Scripting", "PushServer",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Clients of any SSE endpoint: `ssescript record` and `ssescript bench`.
        .target(
            name: "FeedClient",
            dependencies: [
                "EventStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["RECORDING.md"],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        .executableTarget(
            name: "ssescript",
            dependencies: [
                "Scripting", "PushServer", "Observability", "FeedClient", "LuaRuntime", "Cluster", "RedisClient",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TLSIdentity",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WebTokens",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]
        ),
        // hiredis 0.14 from Debian's libhiredis-dev: the RESP reply reader and command formatter.
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // C side of hiredis that Swift cannot import (function-like macros).
        .target(name: "CHiredisShim", dependencies: ["CHiredis"]),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis", "CHiredisShim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        // Several instances as one (issue 11): topics, histories and timers shared through Redis.
        .target(
            name: "Cluster",
            dependencies: [
                "PushServer", "RedisClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        // Pipelined INCR throughput, compared with redis-benchmark by benchmarks/redis-incr.sh.
        .executableTarget(
            name: "RedisIncrBench",
            dependencies: [
                "RedisClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `make soak`: churning clients, reloads and a slow reader against `ssescript serve`.
        .executableTarget(
            name: "Soak",
            dependencies: [
                "EventStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime"]),
        .testTarget(
            name: "EventStreamTests",
            dependencies: ["EventStream", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "PushServerTests",
            dependencies: [
                "PushServer", "EventStream",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FeedClientTests",
            dependencies: [
                "FeedClient", "EventStream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        // What the test targets start outside the process: redis-server, and programs
        // from the system (openssl, curl, python3), each stopped by its pid.
        .target(name: "TestProcesses", path: "Tests/TestProcesses"),
        .testTarget(
            name: "ScriptingTests",
            dependencies: [
                // ssescript: ReadmeTests parse the README's command lines with its own parser.
                "Scripting", "PushServer", "LuaRuntime", "FeedClient", "EventStream", "ssescript", "Observability",
                "Cluster", "RedisClient", "TestProcesses",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "Cluster", "PushServer",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "Observability", "PushServer",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TLSIdentityTests",
            dependencies: [
                "TLSIdentity", "TestProcesses",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebTokensTests",
            dependencies: [
                "WebTokens", "TestProcesses",
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient", "TestProcesses",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Release builds of our own targets check exclusive access at compile time only: the
// run-time checks (swift_beginAccess on every access to a class's stored property that
// the compiler cannot prove) were 20% of the instructions of a client connecting,
// subscribing and leaving in the hub's simulation (callgrind, 1,100 M against 876 M).
// Debug builds, and so `make test`, keep them.
let releaseOnly: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = upcoming + releaseOnly
}

// libFuzzer targets (Fuzz/README.md): the event-stream parser, the encoder against
// the parser, a connection's request path, Lua values crossing the bridge. Built
// with every build, coverage-instrumented in themselves only, for the short runs of
// `make test`; `make fuzz` builds them with every module instrumented, for long runs.
let fuzzing: [SwiftSetting] = upcoming + [.unsafeFlags(["-sanitize=fuzzer"])]
let fuzzerLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
package.targets += [
    .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
    .executableTarget(
        name: "FuzzEventStream", dependencies: ["CFuzzerDriver", "EventStream"], path: "Fuzz/EventStreamParser",
        swiftSettings: fuzzing, linkerSettings: fuzzerLink),
    .executableTarget(
        name: "FuzzEventRoundTrip",
        dependencies: ["CFuzzerDriver", "EventStream", .product(name: "NIOCore", package: "swift-nio")],
        path: "Fuzz/EventRoundTrip", swiftSettings: fuzzing, linkerSettings: fuzzerLink),
    .executableTarget(
        name: "FuzzHTTPRequest", dependencies: ["CFuzzerDriver", "PushServer"], path: "Fuzz/HTTPRequest",
        swiftSettings: fuzzing, linkerSettings: fuzzerLink),
    .executableTarget(
        name: "FuzzLuaValues", dependencies: ["CFuzzerDriver", "LuaRuntime"], path: "Fuzz/LuaValues",
        swiftSettings: fuzzing, linkerSettings: fuzzerLink),
]
