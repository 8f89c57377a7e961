// What Swift cannot import from hiredis: its function-like macros.
#ifndef CHIREDISSHIM_H
#define CHIREDISSHIM_H

#include <stddef.h>
#include <hiredis.h>

/// `redisReaderGetError(reader)`: the reader's error message once a call
/// returned `REDIS_ERR` (a NUL-terminated string inside the reader).
const char *chiredis_reader_error(const redisReader *reader);

/// `reader->maxbuf`: the unused buffer the reader keeps before it frees it
/// (0 keeps it always, which avoids a reallocation per feed under load).
void chiredis_reader_set_max_buffer(redisReader *reader, size_t bytes);

#endif
