import { Injectable } from '@nestjs/common';
import {
  type CreatedMetricsTokenDto,
  mapMetricsToken,
  METRICS_TOKEN_NAME_MAX_LENGTH,
  METRICS_TOKENS_MAX,
  type MetricsTokenDto,
} from '../dtos/metrics-token.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { MetricsTokenRepository } from '../repositories/metrics-token.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DomainError } from './domain-error.js';
import { INVISIBLE_OR_CONTROL } from './username-rules.js';

/** Recognisable in a config file or a secret scanner's findings. */
export const METRICS_TOKEN_PREFIX = 'burrow_mt_';
/** 256 bits after the prefix: nobody guesses one, so a plain SHA-256 is enough to store it (no slow hash). */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^burrow_mt_[A-Za-z0-9_-]{43}$/;
/** A token's last use is written at most this often. */
const TOUCH_INTERVAL_MS = 60_000;

/** The bearer tokens a Prometheus server scrapes `/metrics` with: created and revoked by admins, shown once. */
@Injectable()
export class MetricsTokenService {
  constructor(
    private readonly tokens: MetricsTokenRepository,
    private readonly crypto: CryptoRepository,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<MetricsTokenDto[]> {
    return (await this.tokens.list()).map(mapMetricsToken);
  }

  async create(
    rawName: string,
    actor: UserEntity,
    client: ClientInfo,
    now = new Date(),
  ): Promise<CreatedMetricsTokenDto> {
    const name = validName(rawName);
    const token = METRICS_TOKEN_PREFIX + this.crypto.randomToken(TOKEN_BYTES);
    const created = await this.tokens.insert(
      { name, tokenHash: this.crypto.sha256Hex(token), createdBy: actor.username, createdAt: now },
      METRICS_TOKENS_MAX,
    );
    if (created === undefined) {
      throw new DomainError(
        'conflict',
        'metrics_token_limit',
        `There are ${METRICS_TOKENS_MAX} metrics tokens already: revoke one first`,
      );
    }
    await this.audit.record({ action: 'metrics.token_created', actor, address: client.address, target: name }, now);
    return { ...mapMetricsToken(created), token };
  }

  async revoke(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    const revoked = await this.tokens.delete(id);
    if (revoked === undefined) {
      throw new DomainError('not_found', 'not_found', 'No such metrics token');
    }
    await this.audit.record({ action: 'metrics.token_revoked', actor, address: client.address, target: revoked.name });
  }

  /**
   * Whether `presented` is a token that exists now. Every stored hash is compared, in constant time and without
   * stopping at a match, so the answer's timing says nothing about how close a guess came or which token it was.
   */
  async verify(presented: string, now = new Date()): Promise<boolean> {
    // The format is no secret: refusing malformed input early leaks nothing.
    if (!TOKEN_FORMAT.test(presented)) {
      return false;
    }
    const hash = this.crypto.sha256Hex(presented);
    let matched: number | undefined;
    for (const { id, tokenHash } of await this.tokens.hashes()) {
      if (this.crypto.equalsConstantTime(hash, tokenHash)) {
        matched = id;
      }
    }
    if (matched === undefined) {
      return false;
    }
    await this.tokens.touch(matched, now, new Date(now.getTime() - TOUCH_INTERVAL_MS));
    return true;
  }
}

function validName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const length = [...name].length;
  if (length < 1 || length > METRICS_TOKEN_NAME_MAX_LENGTH || INVISIBLE_OR_CONTROL.test(name)) {
    throw new DomainError(
      'invalid',
      'metrics_token_name_invalid',
      `The name must be 1 to ${METRICS_TOKEN_NAME_MAX_LENGTH} characters, without control or invisible characters`,
    );
  }
  return name;
}
