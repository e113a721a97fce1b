// Cryptokey routing's table (whitepaper §2): which peer owns an inner IP address, by longest-prefix match. One
// path-compressed binary trie per address family, like the kernel's and wireguard-go's:
//
//            10.0.0.0/8 (peer A)
//            /                \
//   10.0.0.0/24 (peer B)   10.128.0.0/9 (glue: no peer, exactly two children)
//                              /            \
//                            ...            ...
//
// A node covers the addresses whose first `cidr` bits equal its key; its children split on bit `cidr`. Nodes
// without a peer exist only to join two subtrees, and are removed as soon as they would have fewer than two.
import { maskAddress } from '../net/ip.js';

/** One allowed prefix: `address` has its host bits zero (the canonical form wg prints). */
export interface AllowedIp {
  readonly address: Uint8Array;
  readonly cidr: number;
}

interface TrieNode<P> {
  readonly key: Uint8Array;
  readonly cidr: number;
  peer: P | undefined;
  readonly children: [TrieNode<P> | undefined, TrieNode<P> | undefined];
  parent: TrieNode<P> | undefined;
}

interface Trie<P> {
  readonly bits: 32 | 128;
  root: TrieNode<P> | undefined;
}

function bitAt(bytes: Uint8Array, offset: number, index: number): 0 | 1 {
  return (((bytes[offset + (index >>> 3)] as number) >>> (7 - (index & 7))) & 1) as 0 | 1;
}

/** Number of leading bits shared by `a` and `b[offset…]`, at most `limit`. */
function commonBits(a: Uint8Array, b: Uint8Array, offset: number, limit: number): number {
  let bits = 0;
  for (let i = 0; bits < limit; i++) {
    const difference = (a[i] as number) ^ (b[offset + i] as number);
    if (difference !== 0) {
      return Math.min(limit, bits + Math.clz32(difference) - 24);
    }
    bits += 8;
  }
  return limit;
}

function matches(node: TrieNode<unknown>, bytes: Uint8Array, offset: number): boolean {
  return commonBits(node.key, bytes, offset, node.cidr) === node.cidr;
}

/**
 * Allowed IPs of all peers of one interface. Generic over the peer type; peers are compared by identity.
 * The zero value (a new instance) is an empty table ready to use.
 */
export class AllowedIps<P extends object> {
  private readonly v4: Trie<P> = { bits: 32, root: undefined };
  private readonly v6: Trie<P> = { bits: 128, root: undefined };
  /** Each peer's nodes in insertion order: for removal by peer and for listing (UAPI get). */
  private readonly byPeer = new Map<P, Set<TrieNode<P>>>();

  /**
   * Routes `address/cidr` (4 or 16 address bytes; host bits are cleared) to `peer`. An existing identical prefix
   * moves to `peer`, as `wg set` does.
   */
  insert(address: Uint8Array, cidr: number, peer: P): void {
    const trie = this.trieFor(address, cidr);
    const node = this.insertNode(trie, maskAddress(address, cidr), cidr);
    if (node.peer !== undefined && node.peer !== peer) {
      this.forget(node.peer, node);
    }
    node.peer = peer;
    let nodes = this.byPeer.get(peer);
    if (nodes === undefined) {
      nodes = new Set();
      this.byPeer.set(peer, nodes);
    }
    nodes.add(node);
  }

  /** Removes `address/cidr` if it belongs to `peer`; returns whether something was removed. */
  remove(address: Uint8Array, cidr: number, peer: P): boolean {
    const trie = this.trieFor(address, cidr);
    const key = maskAddress(address, cidr);
    let node = trie.root;
    while (node !== undefined && node.cidr <= cidr && matches(node, key, 0)) {
      if (node.cidr === cidr) {
        if (node.peer !== peer) {
          return false;
        }
        this.forget(peer, node);
        this.release(trie, node);
        return true;
      }
      node = node.children[bitAt(key, 0, node.cidr)];
    }
    return false;
  }

  /** Removes every prefix of `peer` (when the peer is removed or its allowed IPs are replaced). */
  removePeer(peer: P): void {
    const nodes = this.byPeer.get(peer);
    if (nodes === undefined) {
      return;
    }
    this.byPeer.delete(peer);
    for (const node of nodes) {
      this.release(node.key.length === 4 ? this.v4 : this.v6, node);
    }
  }

  /** The prefixes of `peer`, in the order they were first inserted. */
  entriesOf(peer: P): AllowedIp[] {
    const nodes = this.byPeer.get(peer);
    return nodes === undefined
      ? []
      : [...nodes].map((node) => ({ address: Uint8Array.from(node.key), cidr: node.cidr }));
  }

  /** The peer owning `address` (4 or 16 bytes) by longest prefix, or undefined. */
  lookup(address: Uint8Array): P | undefined {
    if (address.length === 4) {
      return this.lookupV4(address, 0);
    }
    if (address.length === 16) {
      return this.lookupV6(address, 0);
    }
    return undefined;
  }

  /** Longest-prefix match on the IPv4 address at `bytes[offset…offset+4)`, e.g. inside a packet header. */
  lookupV4(bytes: Uint8Array, offset: number): P | undefined {
    return offset + 4 <= bytes.length ? find(this.v4, bytes, offset) : undefined;
  }

  /** Longest-prefix match on the IPv6 address at `bytes[offset…offset+16)`. */
  lookupV6(bytes: Uint8Array, offset: number): P | undefined {
    return offset + 16 <= bytes.length ? find(this.v6, bytes, offset) : undefined;
  }

  /** Number of prefixes in the table. */
  get size(): number {
    let count = 0;
    for (const nodes of this.byPeer.values()) {
      count += nodes.size;
    }
    return count;
  }

  clear(): void {
    this.v4.root = undefined;
    this.v6.root = undefined;
    this.byPeer.clear();
  }

  private trieFor(address: Uint8Array, cidr: number): Trie<P> {
    const trie = address.length === 4 ? this.v4 : address.length === 16 ? this.v6 : undefined;
    if (trie === undefined) {
      throw new RangeError(`an address is 4 or 16 bytes, got ${address.length}`);
    }
    if (!Number.isInteger(cidr) || cidr < 0 || cidr > trie.bits) {
      throw new RangeError(`prefix length must be 0..${trie.bits}, got ${cidr}`);
    }
    return trie;
  }

  private forget(peer: P, node: TrieNode<P>): void {
    const nodes = this.byPeer.get(peer);
    nodes?.delete(node);
    if (nodes?.size === 0) {
      this.byPeer.delete(peer);
    }
  }

  /** Finds or creates the node for exactly key/cidr, splitting paths as needed. */
  private insertNode(trie: Trie<P>, key: Uint8Array, cidr: number): TrieNode<P> {
    if (trie.root === undefined) {
      trie.root = newNode(key, cidr, undefined);
      return trie.root;
    }
    let node: TrieNode<P> = trie.root;
    for (;;) {
      const common = commonBits(node.key, key, 0, Math.min(node.cidr, cidr));
      if (common === node.cidr) {
        if (node.cidr === cidr) {
          return node;
        }
        // node's prefix contains the new one: go down, or hang the new node here.
        const bit = bitAt(key, 0, node.cidr);
        const child = node.children[bit];
        if (child === undefined) {
          const leaf = newNode(key, cidr, node);
          node.children[bit] = leaf;
          return leaf;
        }
        node = child;
        continue;
      }
      const parent = node.parent;
      if (common === cidr) {
        // The new prefix contains node's: it takes node's place, node becomes its child.
        const fresh = newNode(key, cidr, parent);
        replace(trie, node, fresh);
        fresh.children[bitAt(node.key, 0, cidr)] = node;
        node.parent = fresh;
        return fresh;
      }
      // The prefixes diverge at bit `common`: join them under a glue node.
      const glue = newNode(maskAddress(key, common), common, parent);
      replace(trie, node, glue);
      glue.children[bitAt(node.key, 0, common)] = node;
      node.parent = glue;
      const leaf = newNode(key, cidr, glue);
      glue.children[bitAt(key, 0, common)] = leaf;
      return leaf;
    }
  }

  /** Drops the node's peer and removes nodes that no longer join two subtrees. */
  private release(trie: Trie<P>, node: TrieNode<P>): void {
    node.peer = undefined;
    const [left, right] = node.children;
    if (left !== undefined && right !== undefined) {
      return;
    }
    const only = left ?? right;
    if (only !== undefined) {
      only.parent = node.parent;
      replace(trie, node, only);
      return;
    }
    const parent = node.parent;
    replace(trie, node, undefined);
    if (parent !== undefined && parent.peer === undefined) {
      const survivor = parent.children[0] ?? parent.children[1];
      if (survivor !== undefined) {
        survivor.parent = parent.parent;
      }
      replace(trie, parent, survivor);
    }
  }
}

function newNode<P>(key: Uint8Array, cidr: number, parent: TrieNode<P> | undefined): TrieNode<P> {
  return { key, cidr, peer: undefined, children: [undefined, undefined], parent };
}

/** Puts `replacement` where `node` hangs (under its parent, or as the root). */
function replace<P>(trie: Trie<P>, node: TrieNode<P>, replacement: TrieNode<P> | undefined): void {
  const parent = node.parent;
  if (parent === undefined) {
    trie.root = replacement;
  } else if (parent.children[0] === node) {
    parent.children[0] = replacement;
  } else {
    parent.children[1] = replacement;
  }
}

function find<P>(trie: Trie<P>, bytes: Uint8Array, offset: number): P | undefined {
  let found: P | undefined;
  let node = trie.root;
  while (node !== undefined && matches(node, bytes, offset)) {
    if (node.peer !== undefined) {
      found = node.peer;
    }
    if (node.cidr === trie.bits) {
      break;
    }
    node = node.children[bitAt(bytes, offset, node.cidr)];
  }
  return found;
}
