import NIOCore

/// Streams that hold their frames back instead of writing them at once: a stall
/// (`Hub.stall`, a script's `client:stall`) and a stream's `jitter`. What a stream
/// holds counts against its write budget as what waits in the transport does.
extension Shard {
    /// Holds `frame` for `endpoint` (it is stalled, or its stream has jitter), or
    /// writes it if the endpoint no longer holds anything.
    func hold(_ frame: Frame, for endpoint: Endpoint) {
        let now = loop.now
        guard endpoint.held?.isIdle(at: now) == false else {
            endpoint.held = nil
            write(frame, to: endpoint)
            return
        }
        endpoint.held!.hold(.frame(frame), now: now)
        endpoint.lastWriteTick = tick
        account(endpoint)
        scheduleRelease(endpoint)
    }

    /// Ends the stream cleanly, behind the frames it holds (and after its stall).
    func end(_ endpoint: Endpoint) {
        guard let held = endpoint.held, !held.isIdle(at: loop.now) else {
            unregister(endpoint.id)
            return endpoint.sink.endStream()
        }
        // The hub has forgotten it: nothing more is published to it; its end waits its turn.
        for (topic, _) in endpoint.subscriptions { unsubscribe(endpoint, from: topic) }
        everyone.removeOpen(endpoint)
        endpoint.held!.hold(.end, now: loop.now)
        scheduleRelease(endpoint)
    }

    /// Writes nothing to the stream for `duration`: what comes meanwhile is held,
    /// then goes out in order. A new stall replaces the one before (0 ends it).
    func stall(_ endpoint: Endpoint, for duration: TimeAmount) {
        if endpoint.held == nil { endpoint.held = HeldFrames() }
        endpoint.held!.stall(until: loop.now + duration)
        endpoint.release?.task.cancel()
        endpoint.release = nil
        scheduleRelease(endpoint)
    }

    /// The stream's `timeout` is up: the hub hears why, and the stream ends.
    func expire(_ endpoint: Endpoint) {
        tell(.disconnected(id: endpoint.id, reason: .timeout))
        end(endpoint)
    }

    /// Writes out what every stream holds, due or not (the server stops).
    func releaseEverythingHeld() {
        for endpoint in Array(endpoints.all) where endpoint.held != nil {
            endpoint.release?.task.cancel()
            endpoint.release = nil
            deliver(endpoint.held!.takeDue(at: loop.now, everything: true), to: endpoint)
        }
        flushDirty()
    }

    // MARK: Internals

    private func scheduleRelease(_ endpoint: Endpoint) {
        guard let next = endpoint.held?.nextRelease else { return }
        if let current = endpoint.release, current.at <= next { return }
        endpoint.release?.task.cancel()
        let task = loop.scheduleTask(deadline: next) { [self, id = endpoint.id] in release(id) }
        endpoint.release = (task, next)
    }

    private func release(_ id: Int) {
        guard let endpoint = endpoints[id], endpoint.held != nil else { return }
        endpoint.release = nil
        deliver(endpoint.held!.takeDue(at: loop.now), to: endpoint)
        if endpoints[id] != nil {
            account(endpoint)
            if endpoint.held?.isIdle(at: loop.now) == true { endpoint.held = nil } else { scheduleRelease(endpoint) }
        }
        flushDirty()
        dropSlow()
    }

    private func deliver(_ items: [HeldFrames.Item], to endpoint: Endpoint) {
        for item in items {
            switch item {
            case .frame(let frame):
                if endpoint.sink.write(frame) { markDirty(endpoint) }
            case .end:
                unregister(endpoint.id)
                endpoint.sink.endStream()
                return
            }
        }
    }

    /// Held bytes count against the write budget: over it, the stream is over
    /// budget (too slow once it stays so); over twice it, too slow at once.
    private func account(_ endpoint: Endpoint) {
        let bytes = endpoint.held?.bytes ?? 0
        if bytes > endpoint.budget.limit {
            endpoint.heldOverBudget = true
            if endpoint.budget.flushed(waiting: bytes, tick: tick) { slow.append(endpoint) }
        } else if endpoint.heldOverBudget {
            endpoint.heldOverBudget = false
            endpoint.budget.writabilityChanged(isWritable: true, tick: tick)
        }
    }
}
