import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { SessionEntity } from '../entities/session.entity.js';
import { UserEntity } from '../entities/user.entity.js';

/** Server-side sessions, found by the SHA-256 of the cookie's id. */
@Injectable()
export class SessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get sessions() {
    return this.dataSource.getRepository(SessionEntity);
  }

  async insert(session: SessionEntity): Promise<void> {
    await this.sessions.insert(session);
  }

  /** The session with this token hash and its user, if both exist. */
  async findWithUser(tokenHash: string): Promise<{ session: SessionEntity; user: UserEntity } | undefined> {
    const session = await this.sessions.findOneBy({ tokenHash });
    if (session === null) {
      return undefined;
    }
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: session.userId });
    return user === null ? undefined : { session, user };
  }

  listForUser(userId: number): Promise<SessionEntity[]> {
    return this.sessions.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  count(): Promise<number> {
    return this.sessions.count();
  }

  async touch(handle: string, at: Date): Promise<void> {
    await this.sessions.update({ handle }, { lastSeenAt: at.toISOString() });
  }

  /** True when a session of this user had that handle. */
  async deleteOfUser(userId: number, handle: string): Promise<boolean> {
    return ((await this.sessions.delete({ userId, handle })).affected ?? 0) > 0;
  }

  async deleteByHandle(handle: string): Promise<void> {
    await this.sessions.delete({ handle });
  }

  /** Deletes every session of the user, except `keepHandle` when given. Returns how many went. */
  async deleteAllOfUser(userId: number, keepHandle?: string): Promise<number> {
    const query = this.sessions.createQueryBuilder().delete().where('user_id = :userId', { userId });
    if (keepHandle !== undefined) {
      query.andWhere('handle <> :keepHandle', { keepHandle });
    }
    return (await query.execute()).affected ?? 0;
  }

  /** Removes sessions idle since before `idleCutoff` or created before `absoluteCutoff`. */
  async deleteExpired(idleCutoff: Date, absoluteCutoff: Date): Promise<void> {
    await this.sessions.delete({ lastSeenAt: LessThan(idleCutoff.toISOString()) });
    await this.sessions.delete({ createdAt: LessThan(absoluteCutoff.toISOString()) });
  }
}
