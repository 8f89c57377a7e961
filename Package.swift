// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "ssescript",
    products: [
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "EventStream", targets: ["EventStream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3")
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
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime"]),
        .testTarget(name: "EventStreamTests", dependencies: ["EventStream"]),
    ],
    swiftLanguageModes: [.v6]
)
