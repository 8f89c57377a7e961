#include "CFuzzerDriver.h"

// libFuzzer reads this section as coverage counters, besides the compiler's.
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t observed[1 << 16];

void cfuzzer_observe(uint64_t feature) {
    uint8_t *counter = &observed[(feature * 0x9E3779B97F4A7C15ull) >> 48];
    if (*counter < 255) (*counter)++;
}
