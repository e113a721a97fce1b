// Version 2 of the desired state, the document the API sends: the household's choices as a whole. Where version 1
// held one tunnel, version 2 holds the upstream WireGuard interface with its provider profiles in priority order;
// which profile carries traffic is burrowd's decision (daemon/failover-policy.ts), so failover goes on while the
// API is down. The router's links (WAN, LAN) may come from the document or from burrowd's board file.
//
// Remote access (the router as a WireGuard server for the household's phones) is a sibling of `upstream`, run by
// its own supervised engine. `lan` carries the household's LAN plan over the board's (addresses, DHCP, domain,
// reservations) and each device's policy (household-state.ts).
//
// burrowd applies one profile at a time as a version-1 state (desired-state.ts), which the reconciler and the
// renderers (nftables, routes, dnsmasq) understand; `appliedState` makes it.
import { z } from 'zod';
import { lanExtraFields, redactRemoteAccess, remoteAccessSchema } from './household-state.js';
import { lanAddress } from './state-fields.js';
import {
  DEFAULT_FWMARK,
  DEFAULT_TUNNEL_INTERFACE,
  dhcpSchema,
  type DesiredState,
  describeIssue,
  desiredStateSchema,
  engineFields,
  formatPath,
  interfaceName,
  networkFields,
  parseDesiredState,
  profileFields,
  refineProfile,
  text,
} from './desired-state.js';

export const PROFILE_NAME_MAX = 64;
export const PROFILES_MAX = 32;
export const EXIT_CHECK_URL_MAX = 2048;

/**
 * Why `value` cannot be the exit check's URL, or null when it can: http or https, a host, no user name or password
 * (the URL is shown on the Status page and in logs, so it must never carry a secret), at most 2048 characters.
 */
export function exitCheckUrlProblem(value: string): string | null {
  if (value.length > EXIT_CHECK_URL_MAX) {
    return `must be at most ${EXIT_CHECK_URL_MAX} characters`;
  }
  // eslint-disable-next-line no-control-regex -- exactly what is refused
  if (/[\u0000-\u0020\u007f]/.test(value)) {
    return 'must not contain spaces or control characters';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'must be an http or https URL';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry a user name or password';
  }
  if (url.hostname === '') {
    return 'must name a host';
  }
  return null;
}

const exitCheckUrl = z.string().superRefine((value, ctx) => {
  const problem = exitCheckUrlProblem(value);
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem });
  }
});

const profileName = text((value) =>
  value.length >= 1 && [...value].length <= PROFILE_NAME_MAX
    ? { value }
    : { problem: `must be 1 to ${PROFILE_NAME_MAX} characters` },
);

export const upstreamProfileSchema = z
  .strictObject({
    /** The API's id of the profile: events and status name it. */
    id: z.number().int().min(1),
    /** What the household called it. */
    name: profileName,
    ...profileFields,
  })
  .superRefine(refineProfile);

export const networkSchema = z.strictObject(networkFields);

/**
 * burrowd's board file (--network): the router's own links, and optionally the names of the upstream engine's
 * interfaces (the tunnel, when the document names none, and the background checks'). A board has one burrowd, so
 * the defaults (wg0, bprobe0) do; several labs on one machine share WireGuard's socket directory and need their own.
 */
export const boardSchema = z.strictObject({
  ...networkFields,
  upstream: z
    .strictObject({ interface: interfaceName.optional(), probeInterface: interfaceName.optional() })
    .optional(),
});

export const desiredStateV2Schema = z
  .strictObject({
    version: z.literal(2),
    /** On: LAN traffic leaves only through the tunnel, also while it is down or switching. */
    killSwitch: z.boolean().default(true),
    /** Absent: the board file burrowd was started with (--network) says. */
    network: networkSchema.optional(),
    upstream: z.strictObject({
      ...engineFields,
      /** Enabled profiles, the preferred first. Empty: no tunnel (with the kill switch on, the LAN stays inside). */
      profiles: z.array(upstreamProfileSchema).max(PROFILES_MAX),
      /** Chosen by hand: carries traffic while it works, before the priority order. */
      selectedId: z.number().int().min(1).nullable().default(null),
    }),
    /**
     * Where the Internet sees the household: a web page answering the client's address (plain text, or JSON with
     * ip/address/origin/query), fetched through the tunnel only. Absent: no exit check.
     */
    exitCheck: z.strictObject({ url: exitCheckUrl }).optional(),
    /** The household's LAN plan and device policies over the network's LAN (absent fields: the network's). */
    lan: z.strictObject({ address: lanAddress.optional(), dhcp: dhcpSchema.optional(), ...lanExtraFields }).optional(),
    /** null: remote access is off. */
    remoteAccess: remoteAccessSchema.nullable().default(null),
  })
  .superRefine((state, ctx) => {
    const ids = new Set<number>();
    state.upstream.profiles.forEach((profile, index) => {
      if (ids.has(profile.id)) {
        ctx.addIssue({ code: 'custom', path: ['upstream', 'profiles', index, 'id'], message: 'repeats another id' });
      }
      ids.add(profile.id);
    });
    if (state.upstream.selectedId !== null && !ids.has(state.upstream.selectedId)) {
      ctx.addIssue({ code: 'custom', path: ['upstream', 'selectedId'], message: 'is not the id of a profile' });
    }
  });

export type DesiredStateV2 = z.output<typeof desiredStateV2Schema>;
export type DesiredStateV2Input = z.input<typeof desiredStateV2Schema>;
export type UpstreamProfile = DesiredStateV2['upstream']['profiles'][number];
export type NetworkConfig = z.output<typeof networkSchema>;
export type BoardConfig = z.output<typeof boardSchema>;

export type ParseV2Result = { ok: true; state: DesiredStateV2 } | { ok: false; errors: string[] };

/** The id a version-1 tunnel gets when converted: there is only one. */
const CONVERTED_PROFILE_ID = 1;

/**
 * Validates a version-2 document, or converts a version-1 state (a saved one, or a sender that has not moved on)
 * into one. Each profile must also make a valid applied state with the router's network (`board` when the document
 * has none): a profile whose addresses overlap the LAN is refused now, not when failover reaches it.
 */
export function parseDesiredStateV2(input: unknown, board: BoardConfig | NetworkConfig | null): ParseV2Result {
  if (typeof input === 'object' && input !== null && (input as { version?: unknown }).version === 1) {
    const v1 = parseDesiredState(input);
    return v1.ok ? { ok: true, state: fromVersion1(v1.state) } : v1;
  }
  const result = desiredStateV2Schema.safeParse(withBoardInterface(input, board), {
    error: describeIssue,
    reportInput: false,
  });
  if (!result.success) {
    return { ok: false, errors: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`) };
  }
  const state = result.data;
  const network = state.network ?? board;
  if (network === null) {
    return { ok: false, errors: ['network: is required: burrowd was started without a board file (--network)'] };
  }
  // The state with no tunnel in force checks the LAN plan and remote access even when there is no profile.
  const base = desiredStateSchema.safeParse(appliedState(state, network, null), { error: describeIssue });
  if (!base.success) {
    return { ok: false, errors: base.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`) };
  }
  const errors = state.upstream.profiles.flatMap((profile, index) => {
    const applied = desiredStateSchema.safeParse(appliedState(state, network, profile.id), { error: describeIssue });
    return applied.success
      ? []
      : applied.error.issues.map(
          (issue) => `upstream.profiles[${index}] with the network: ${formatPath(issue.path)}: ${issue.message}`,
        );
  });
  return errors.length === 0 ? { ok: true, state } : { ok: false, errors };
}

/** A document whose upstream names no interface gets the board's, when the board file names one. */
function withBoardInterface(input: unknown, board: BoardConfig | NetworkConfig | null): unknown {
  const name = board !== null && 'upstream' in board ? board.upstream?.interface : undefined;
  if (name === undefined || !isRecord(input) || !isRecord(input['upstream']) || 'interface' in input['upstream']) {
    return input;
  }
  return { ...input, upstream: { ...input['upstream'], interface: name } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The version-1 state that puts profile `activeId` (or no tunnel, for null) in force on `network`. */
export function appliedState(state: DesiredStateV2, network: NetworkConfig, activeId: number | null): DesiredState {
  const { profiles, selectedId: _selected, ...engine } = state.upstream;
  const profile = profiles.find((candidate) => candidate.id === activeId);
  const { address, dhcp, ...extras } = state.lan ?? {};
  return {
    version: 1,
    killSwitch: state.killSwitch,
    wan: network.wan,
    lan: {
      ...network.lan,
      ...(address === undefined ? {} : { address }),
      ...(dhcp === undefined ? {} : { dhcp }),
      ...extras,
    },
    remoteAccess: state.remoteAccess,
    tunnel:
      profile === undefined
        ? null
        : {
            ...engine,
            privateKey: profile.privateKey,
            addresses: profile.addresses,
            dns: profile.dns,
            searchDomains: profile.searchDomains,
            mtu: profile.mtu,
            peers: profile.peers,
          },
  };
}

export function fromVersion1(state: DesiredState): DesiredStateV2 {
  const { tunnel } = state;
  const engine = {
    interface: tunnel?.interface ?? DEFAULT_TUNNEL_INTERFACE,
    fwmark: tunnel?.fwmark ?? DEFAULT_FWMARK,
    ...(tunnel?.listenPort === undefined ? {} : { listenPort: tunnel.listenPort }),
  };
  return {
    version: 2,
    killSwitch: state.killSwitch,
    network: { wan: state.wan, lan: state.lan },
    remoteAccess: state.remoteAccess,
    upstream: {
      ...engine,
      profiles:
        tunnel === null
          ? []
          : [
              {
                id: CONVERTED_PROFILE_ID,
                name: 'Tunnel',
                privateKey: tunnel.privateKey,
                addresses: tunnel.addresses,
                dns: tunnel.dns,
                searchDomains: tunnel.searchDomains,
                mtu: tunnel.mtu,
                peers: tunnel.peers,
              },
            ],
      selectedId: null,
    },
  };
}

/** The document as one line for logs: keys redacted, as describeState does for version 1. */
export function describeStateV2(state: DesiredStateV2): string {
  return JSON.stringify({
    ...state,
    upstream: {
      ...state.upstream,
      profiles: state.upstream.profiles.map((profile) => ({
        id: profile.id,
        name: profile.name,
        endpoints: profile.peers.map((peer) => peer.endpoint),
      })),
    },
    remoteAccess: state.remoteAccess && redactRemoteAccess(state.remoteAccess),
  });
}
