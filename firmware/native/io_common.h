/*
 * Shared plumbing for Burrow's two I/O addons (burrow_tun and burrow_udp),
 * the one header they include:
 *   io_napi.h    errors named by errno, failed napi_* calls, exports
 *   io_args.h    argument checks, the packet list write()/send() take
 *   io_batch.h   the batch memory start() takes and readers fill
 *   io_netns.h   network-namespace switching for one call
 *   io_handle.h  a descriptor polled by libuv: open, life cycle, one
 *                call into JavaScript per readable event
 *
 * Everything is `static inline`, so the headers need no .c file of their
 * own and unused helpers cost nothing (and raise no -Wunused warnings).
 * Only an addon's N-API file includes this; udp_mmsg.c does without.
 *
 * Threading: every function runs on the JavaScript thread. There are no
 * threads of our own; the kernel does the waiting, libuv tells us when.
 */
#ifndef BURROW_IO_COMMON_H
#define BURROW_IO_COMMON_H

#include "io_napi.h"
#include "io_args.h"
#include "io_batch.h"
#include "io_netns.h"
#include "io_handle.h"

#endif /* BURROW_IO_COMMON_H */
