import RedisClient
import Testing

@Suite struct RedisURLTests {
    @Test func hostPortAndDefaults() throws {
        #expect(try RedisURL(parsing: "redis://cache.internal:6380") == RedisURL(host: "cache.internal", port: 6380))
        #expect(try RedisURL(parsing: "redis://localhost") == RedisURL(host: "localhost", port: 6379))
        #expect(
            try RedisURL(parsing: "redis://127.0.0.1:7000/3") == RedisURL(host: "127.0.0.1", port: 7000, database: 3))
        #expect(try RedisURL(parsing: "redis://127.0.0.1:7000/") == RedisURL(host: "127.0.0.1", port: 7000))
        #expect(try RedisURL(parsing: "REDIS://[::1]:7001") == RedisURL(host: "::1", port: 7001))
    }

    @Test func credentials() throws {
        let both = try RedisURL(parsing: "redis://alice:s3cr%40t@h:1/2")
        #expect(both == RedisURL(host: "h", port: 1, user: "alice", password: "s3cr@t", database: 2))
        #expect(try RedisURL(parsing: "redis://:secret@h:1") == RedisURL(host: "h", port: 1, password: "secret"))
        // As redis-cli reads it: userinfo without a colon is the password.
        #expect(try RedisURL(parsing: "redis://secret@h:1") == RedisURL(host: "h", port: 1, password: "secret"))
        #expect(try RedisURL(parsing: "redis://a:p@ss@h:1").password == "p@ss", "the last @ ends the userinfo")
    }

    @Test func descriptionMasksThePassword() throws {
        #expect(try RedisURL(parsing: "redis://alice:secret@h:1/2").description == "redis://alice:***@h:1/2")
        #expect(try RedisURL(parsing: "redis://h").description == "redis://h:6379")
        let error = #expect(throws: RedisURL.ParseError.self) { try RedisURL(parsing: "redis://u:secret@h:99999") }
        #expect(error?.description.contains("secret") == false)
    }

    @Test(arguments: [
        ("cache:6379", "expected redis://host:port"),
        ("http://h:1", "the scheme must be redis://"),
        ("rediss://h:1", "TLS (rediss://) is not supported"),
        ("redis://:6379", "the host is missing"),
        ("redis://h:0", "the port must be a number from 1 to 65535, not '0'"),
        ("redis://h:http", "the port must be a number from 1 to 65535, not 'http'"),
        ("redis://h:", "the port must be a number from 1 to 65535, not ''"),
        ("redis://h:1/two", "the database must be a number (0, 1, …), not 'two'"),
        ("redis://h:1/-1", "the database must be a number (0, 1, …), not '-1'"),
        ("redis://[::1:1", "unclosed [ in the host"),
        ("redis://:p%4@h:1", "a % in the user or password must be followed by two hex digits"),
    ])
    func badInputSaysWhatIsWrong(input: String, reason: String) {
        let error = #expect(throws: RedisURL.ParseError.self) { try RedisURL(parsing: input) }
        #expect(error?.reason == reason)
        #expect(error?.description.hasPrefix("invalid Redis URL '") == true)
    }
}
