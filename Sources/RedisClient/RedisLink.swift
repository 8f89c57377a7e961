import Logging
import NIOCore
import NIOPosix

/// One link to Redis kept up: connect, hand-shake, serve, and after any failure wait
/// (``ReconnectBackoff``) and connect again, until closed. The core of ``RedisConnection``
/// and ``RedisSubscriber``.
///
/// Not thread-safe: everything here runs on `eventLoop`, which also runs the channel.
final class RedisLink {
    let configuration: RedisConfiguration
    let eventLoop: any EventLoop
    let logger: Logger
    /// A subscriber's part of the handshake (re-subscribing); runs after `AUTH` and `SELECT`.
    var prepare: ((RedisChannelHandler) -> EventLoopFuture<Void>)?
    /// A subscriber's message sink, handed to each new channel handler.
    var onMessage: ((ByteBuffer, ByteBuffer) -> Void)?
    /// Told of every change, after the link's own state has changed.
    var onStateChange: (RedisLinkState) -> Void = { _ in }

    private var machine = RedisLinkStateMachine()
    private var channel: (any Channel)?
    private var handler: RedisChannelHandler?
    private var reconnectTimer: Scheduled<Void>?
    private var firstConnection: EventLoopPromise<Void>?
    private var random = SystemRandomNumberGenerator()

    init(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
    }

    var isConnected: Bool { machine.isConnected }

    /// Starts connecting; the future succeeds at the first connection (fails if closed first).
    func start() -> EventLoopFuture<Void> {
        let promise = firstConnection ?? eventLoop.makePromise(of: Void.self)
        firstConnection = promise
        if machine.isConnected { succeedFirstConnection() }
        perform(machine.start())
        return promise.futureResult
    }

    /// Sends `command` if the link is up; fails at once with `unavailable` (or `closed`) if not.
    func send(_ command: RedisCommand) -> EventLoopFuture<RedisValue> {
        guard machine.isConnected, let handler else {
            return eventLoop.makeFailedFuture(machine.isClosed ? RedisError.closed : RedisError.unavailable)
        }
        let promise = eventLoop.makePromise(of: RedisValue.self)
        handler.send(command, promise: promise)
        return promise.futureResult
    }

    /// Stops reconnecting and closes the channel once the replies in flight are in.
    func close() -> EventLoopFuture<Void> {
        let closed = channel?.closeFuture ?? eventLoop.makeSucceededVoidFuture()
        perform(machine.close())
        return closed
    }

    private func perform(_ action: RedisLinkStateMachine.Action) {
        switch action {
        case .none, .closeChannel, .reportConnected:
            break  // the last two are handled where the channel is at hand
        case .connect:
            connect()
        case .scheduleReconnect(let attempt):
            scheduleReconnect(attempt: attempt)
        case .reportDisconnected:
            logger.warning("redis link down, reconnecting", metadata: ["redis": "\(configuration.url)"])
            channel = nil
            handler = nil
            onStateChange(.disconnected)
            scheduleReconnect(attempt: 0)
        case .shutDown:
            shutDown()
        }
    }

    private func connect() {
        let handler = RedisChannelHandler(logger: logger, onMessage: onMessage)
        let installed = NIOLoopBound(handler, eventLoop: eventLoop)
        let url = configuration.url
        ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(installed.value)
                }
            }
            .connect(host: url.host, port: url.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel) where self.machine.isClosed:
                    channel.close(promise: nil)
                case .success(let channel):
                    self.channel = channel
                    self.handshake(channel: channel, handler: handler)
                case .failure(let error):
                    self.connectFailed(error, channel: nil)
                }
            }
    }

    /// `AUTH` and `SELECT` (pipelined), then the subscriber's part; the link is up after that.
    private func handshake(channel: any Channel, handler: RedisChannelHandler) {
        let url = configuration.url
        var commands: [RedisCommand] = []
        if let password = url.password {
            commands.append(RedisCommand(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]))
        }
        if url.database != 0 {
            commands.append(RedisCommand(["SELECT", String(url.database)]))
        }
        let replies = commands.map { command in
            let promise = eventLoop.makePromise(of: RedisValue.self)
            handler.send(command, promise: promise)
            return promise.futureResult
        }
        let prepare = self.prepare
        EventLoopFuture.andAllSucceed(replies, on: eventLoop)
            .assumeIsolated()
            .flatMap { prepare?(handler) ?? channel.eventLoop.makeSucceededVoidFuture() }
            .whenComplete { result in
                switch result {
                case .success: self.connected(channel: channel, handler: handler)
                case .failure(let error): self.connectFailed(error, channel: channel)
                }
            }
    }

    private func connected(channel: any Channel, handler: RedisChannelHandler) {
        guard machine.connectSucceeded() == .reportConnected else {
            channel.close(promise: nil)  // closed meanwhile
            return
        }
        self.handler = handler
        logger.info("redis connected", metadata: ["redis": "\(configuration.url)"])
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            guard self.channel === channel else { return }
            self.perform(self.machine.linkDropped())
        }
        onStateChange(.connected)
        succeedFirstConnection()
    }

    private func connectFailed(_ error: any Error, channel: (any Channel)?) {
        channel?.close(promise: nil)
        self.channel = nil
        let action = machine.connectFailed()
        if case .scheduleReconnect(let attempt) = action {
            // Redis refusing the handshake (a wrong password) is an error every time; an
            // unreachable Redis is worth a warning on the first failure, not on each retry.
            let refused = (error as? RedisError)?.replyCode != nil
            let level: Logger.Level = refused ? .error : attempt == 1 ? .warning : .debug
            logger.log(
                level: level, refused ? "redis refused the handshake" : "redis connect failed",
                metadata: ["redis": "\(configuration.url)", "error": "\(error)", "attempt": "\(attempt)"])
        }
        perform(action)
    }

    private func scheduleReconnect(attempt: Int) {
        let delay = configuration.reconnect.delay(attempt: attempt, using: &random)
        reconnectTimer = eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.reconnectTimer = nil
            self.perform(self.machine.timerFired())
        }
    }

    private func shutDown() {
        reconnectTimer?.cancel()
        reconnectTimer = nil
        firstConnection?.fail(RedisError.closed)
        firstConnection = nil
        guard let channel else { return }
        guard let handler else {  // still hand-shaking: nothing of the caller's is in flight
            channel.close(promise: nil)
            return
        }
        handler.closeWhenIdle()
        let deadline = eventLoop.assumeIsolated().scheduleTask(in: configuration.closeTimeout) {
            channel.close(promise: nil)
        }
        channel.closeFuture.assumeIsolated().whenComplete { _ in deadline.cancel() }
    }

    private func succeedFirstConnection() {
        firstConnection?.succeed()
        firstConnection = nil
    }
}

@available(*, unavailable)
extension RedisLink: Sendable {}
