/*
 * Network-namespace switching for one call: the calling thread enters a
 * namespace, creates a device or socket there, and comes back.
 */
#ifndef BURROW_IO_NETNS_H
#define BURROW_IO_NETNS_H

#include "io_napi.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

/*
 * Moves the calling thread (only) into the network namespace at `path`, so
 * that a device or socket created next is born there. *saved receives a
 * descriptor of the namespace to come back to with io_netns_leave().
 * Returns 0 or an errno.
 */
static inline int io_netns_enter(const char *path, int *saved) {
  int target;
  int err;
  *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (*saved < 0) {
    return errno;
  }
  target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    err = errno;
    close(*saved);
    return err;
  }
  err = setns(target, CLONE_NEWNET) < 0 ? errno : 0;
  close(target);
  if (err != 0) {
    close(*saved);
  }
  return err;
}

static inline void io_netns_leave(int saved) {
  /* Staying in the wrong namespace would put every later socket of this
   * process there: stop the process instead of carrying on. */
  if (setns(saved, CLONE_NEWNET) < 0) {
    napi_fatal_error("burrow io", NAPI_AUTO_LENGTH, "cannot return to the original network namespace",
                     NAPI_AUTO_LENGTH);
  }
  close(saved);
}

#endif /* BURROW_IO_NETNS_H */
