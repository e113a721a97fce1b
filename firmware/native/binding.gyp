# Burrow's native code: four small N-API addons. `npm install` builds them through
# firmware/package.json's install script (`node-gyp rebuild --directory native`), so
# they land in native/build/Release/, where src/io/native.ts loads them from.
{
  "target_defaults": {
    "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
    "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
  },
  "targets": [
    {"target_name": "burrow_tun", "sources": ["tun.c", "tun_writer.c", "tun_gro.c", "tun_tso.c"]},
    {"target_name": "burrow_udp", "sources": ["udp.c", "udp_mmsg.c"]},
    {"target_name": "burrow_sock", "sources": ["peercred.c", "sd_notify.c"]},
    {"target_name": "burrow_aead", "sources": ["aead.c"]},
  ],
}
