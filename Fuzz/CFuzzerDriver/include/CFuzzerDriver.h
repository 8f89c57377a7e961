// libFuzzer's entry point, for fuzz targets whose `main` is Swift's (SwiftPM
// names an executable's entry point itself, so libFuzzer's own `main` cannot be
// the program's): the target calls `cfuzzer_run` from its top-level code.
#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// In libFuzzer (linked by `-sanitize=fuzzer`): parses libFuzzer's arguments and
/// runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

static inline int cfuzzer_run(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size)) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}

/// Counts a behaviour the target observed (a response's status, a frame's type,
/// a callback the server made), hashed into libFuzzer's extra coverage counters.
/// Where the code under test is not instrumented (the short runs of `make test`),
/// this is what tells libFuzzer that an input did something new.
void cfuzzer_observe(uint64_t feature);

#endif
