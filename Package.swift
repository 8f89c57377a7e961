// swift-tools-version:6.2
import PackageDescription

// The whole package moves to these; the Redis targets have them already.
let upcomingFeatures: [SwiftSetting] = [
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
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .executable(name: "redis-incr-bench", targets: ["RedisIncrBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        // SHA1 of server-side scripts (EVALSHA).
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        // Tests only: a client nobody here wrote.
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", exact: "1.13.4"),
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
            ]
        ),
        .target(
            name: "Scripting",
            dependencies: [
                "LuaRuntime", "PushServer", "EventStream",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ssescript",
            dependencies: [
                "Scripting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            exclude: ["README.md"],
            swiftSettings: upcomingFeatures
        ),
        // Pipelined INCR throughput, compared with redis-benchmark by benchmarks/redis-incr.sh.
        .executableTarget(
            name: "RedisIncrBench",
            dependencies: [
                "RedisClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime"]),
        .testTarget(name: "EventStreamTests", dependencies: ["EventStream"]),
        .testTarget(
            name: "PushServerTests",
            dependencies: [
                "PushServer",
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ScriptingTests",
            dependencies: [
                "Scripting",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ]
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
    ],
    swiftLanguageModes: [.v6]
)
