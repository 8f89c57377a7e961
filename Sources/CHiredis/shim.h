#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
// hiredis 0.14 (Debian's libhiredis-dev): only its RESP reply reader
// (read.h) and command formatter are used; the socket is NIO's.
#include <hiredis.h>
#endif
