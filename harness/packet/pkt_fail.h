/* pkt_fail: how the packet layer reports a problem -- err filled (when given) from a
 * printf format, -1 returned -- shared by the frame builders and the decoder. */
#ifndef TCPCONFORM_PKT_FAIL_H
#define TCPCONFORM_PKT_FAIL_H

#include <stddef.h>

int pkt_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
