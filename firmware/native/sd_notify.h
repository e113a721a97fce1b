/*
 * The second half of burrow_sock: systemd's service notifications. peercred.c holds the addon's one
 * NAPI_MODULE_INIT and exports this beside peerCredentials.
 */
#ifndef BURROW_SD_NOTIFY_H
#define BURROW_SD_NOTIFY_H

#include <node_api.h>
#include <stdbool.h>

/* Adds sdNotify(socketPath, message) to the addon's exports. */
bool sd_notify_export(napi_env env, napi_value exports);

#endif /* BURROW_SD_NOTIFY_H */
