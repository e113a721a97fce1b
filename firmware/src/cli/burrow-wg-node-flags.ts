/**
 * The Node flags burrow-wg runs with, wherever it is started (burrowd, the tests, the bench). The data path
 * allocates almost nothing per packet, so V8's young generation needs little room: semi-spaces capped at 2 MB
 * keep about 7 MB of resident memory off a small board (`make bench`: peak RSS 78 → 71 MB at the same throughput).
 */
export const BURROW_WG_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
