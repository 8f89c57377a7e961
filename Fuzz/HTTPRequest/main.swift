// libFuzzer target: the request path of a connection. The input's first byte
// says how the application answers; the rest is what a client sends (HTTP/1.x,
// or HTTP/2 after its preface), in pieces. A crash, or a client, endpoint or
// stream slot left behind once the connection is gone, is a finding.

import CFuzzerDriver
@_spi(Fuzzing) import PushServer

#if canImport(Glibc)
    import Glibc
#endif

// libFuzzer calls `fuzzOne` on the main thread, one input at a time.
nonisolated(unsafe) let server = ConnectionFuzzing()
server.observe = { cfuzzer_observe($0) }

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    server.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

exit(cfuzzer_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOne))
