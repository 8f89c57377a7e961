import RedisClient

/// The server-side Lua scripts of a cluster. Each runs atomically in Redis.
enum ClusterScripts {
    /// Publishes an event kept in its topic's stream: `XADD` (the entry id is Redis's,
    /// the same for every instance), then the notice on the topic's channel, in one
    /// step, so the stream and the channel never disagree on the order.
    ///
    /// KEYS[1] the stream; ARGV[1] the channel, ARGV[2] how many entries to keep (0:
    /// none, only the id), ARGV[3] the event's own id (empty: the entry's id is its id),
    /// ARGV[4] the payload. Returns the entry id.
    static let publish = RedisScript(
        """
        local entry
        if ARGV[2] == '0' then
          entry = redis.call('XADD', KEYS[1], 'MAXLEN', '0', '*', 'i', ARGV[3], 'p', ARGV[4])
        else
          entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'i', ARGV[3], 'p', ARGV[4])
        end
        redis.call('PUBLISH', ARGV[1], entry .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
        return entry
        """)

    /// Takes the timer lease if nobody holds it, or renews it if this instance does:
    /// returns 1 if it is ours (for ARGV[2] ms from now), 0 if another holds it.
    ///
    /// KEYS[1] the lease; ARGV[1] this instance's value, ARGV[2] the lease's time in ms.
    static let acquireLease = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """)

    /// Gives the lease up if this instance holds it (a graceful stop), so another
    /// takes over at its next try instead of when the lease expires.
    static let releaseLease = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """)

    static let all = [publish, acquireLease, releaseLease]
}
