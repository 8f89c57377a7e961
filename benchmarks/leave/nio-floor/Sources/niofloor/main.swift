// The floor of a swift-nio SSE server: every connection gets a stream head on its
// first read and is held. No request parsing, no hub, no script: what a connection
// costs NIO itself (its accept, its reads, its close), for leavepeer.sh to compare.
import NIOCore
import NIOPosix

final class Hold: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var started = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !started else { return }
        started = true
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\nretry: 60000\n\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: head)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 18557
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { $0.pipeline.addHandler(Hold()) }
    .bind(host: "127.0.0.1", port: port).wait()
try server.closeFuture.wait()
