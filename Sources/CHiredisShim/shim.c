#include "CHiredisShim.h"

const char *chiredis_reader_error(const redisReader *reader) {
    return redisReaderGetError(reader);
}

void chiredis_reader_set_max_buffer(redisReader *reader, size_t bytes) {
    reader->maxbuf = bytes;
}
