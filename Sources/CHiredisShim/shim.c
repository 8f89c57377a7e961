#include "CHiredisShim.h"

const char *chiredis_reader_error(const redisReader *reader) {
    return redisReaderGetError(reader);
}
