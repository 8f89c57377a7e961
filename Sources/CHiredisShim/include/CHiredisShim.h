// What Swift cannot import from hiredis: its function-like macros.
#ifndef CHIREDISSHIM_H
#define CHIREDISSHIM_H

#include <stddef.h>
#include <hiredis.h>

/// `redisReaderGetError(reader)`: the reader's error message once a call
/// returned `REDIS_ERR` (a NUL-terminated string inside the reader).
const char *chiredis_reader_error(const redisReader *reader);

#endif
