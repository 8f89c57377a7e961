// swift-tools-version: 6.0
// The nio-floor peer of leavepeer.sh: a swift-nio server that only holds its
// connections, on the swift-nio version ssescript uses.
import PackageDescription

let package = Package(
    name: "niofloor",
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3")],
    targets: [
        .executableTarget(
            name: "niofloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
