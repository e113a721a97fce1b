import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { type Role, UserEntity } from '../entities/user.entity.js';
import { queryReturning } from './sql.js';

export interface NewUser {
  username: string;
  usernameKey: string;
  usernameSkeleton: string;
  passwordHash: string;
  role: Role;
}

/** What an admin may change on a user; absent fields stay as they are. */
export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
}

export type GuardedResult = 'done' | 'not_found' | 'last_admin';

/** A console reset: done, no such user, or the user is not an enabled admin. */
export type AdminResetResult = 'done' | 'not_found' | 'not_admin';

/** A new admin made when none exists: its id, or why not (an enabled admin exists after all; the name is taken). */
export type AdminInsertResult = { id: number } | 'admin_exists' | 'name_taken';

// True for a row that is not an enabled admin, or when some other enabled admin exists: the condition under
// which a user may stop being an enabled admin. Evaluated inside the same statement as the change, so two
// admins demoting each other at once cannot both succeed.
const ANOTHER_ADMIN_REMAINS = `EXISTS (
  SELECT 1 FROM "user" AS "other"
  WHERE "other"."id" <> "user"."id" AND "other"."role" = 'admin' AND "other"."disabled" = 0
)`;

function newUserValues(user: NewUser): string[] {
  return [user.username, user.usernameKey, user.usernameSkeleton, user.passwordHash, user.role];
}

/** The user table. Writes that could break an invariant (first user, last admin) are single guarded statements. */
@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get users() {
    return this.dataSource.getRepository(UserEntity);
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByKey(usernameKey: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ usernameKey });
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { id: 'ASC' } });
  }

  async any(): Promise<boolean> {
    return (await this.users.count({ take: 1 })) > 0;
  }

  /** Inserts the user only if the table is empty; undefined when another user already exists (setup raced). */
  async insertIfNone(user: NewUser, at: Date): Promise<number | undefined> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `INSERT INTO "user"
         ("username", "username_key", "username_skeleton", "password_hash", "role", "created_at", "updated_at")
       SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "user")
       RETURNING "id"`,
      [...newUserValues(user), at.toISOString(), at.toISOString()],
    );
    return rows[0]?.id;
  }

  /** The new id, or undefined when the name (regardless of case) or a look-alike of it is taken. */
  async insert(user: NewUser, at: Date): Promise<number | undefined> {
    try {
      const rows = await queryReturning<{ id: number }>(
        this.dataSource,
        `INSERT INTO "user"
           ("username", "username_key", "username_skeleton", "password_hash", "role", "created_at", "updated_at")
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
        [...newUserValues(user), at.toISOString(), at.toISOString()],
      );
      return rows[0]?.id;
    } catch (error) {
      if (isNameTaken(error)) {
        return undefined;
      }
      throw error;
    }
  }

  /** Applies `changes` unless they would leave no enabled admin. */
  async update(id: number, changes: UserChanges, at: Date): Promise<GuardedResult> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `UPDATE "user" SET
         "role" = coalesce(?1, "role"),
         "disabled" = coalesce(?2, "disabled"),
         "password_hash" = coalesce(?3, "password_hash"),
         "updated_at" = ?4
       WHERE "id" = ?5 AND (
         NOT ("role" = 'admin' AND "disabled" = 0)
         OR (coalesce(?1, "role") = 'admin' AND coalesce(?2, "disabled") = 0)
         OR ${ANOTHER_ADMIN_REMAINS}
       )
       RETURNING "id"`,
      [
        changes.role ?? null,
        changes.disabled === undefined ? null : Number(changes.disabled),
        changes.passwordHash ?? null,
        at.toISOString(),
        id,
      ],
    );
    return rows.length > 0 ? 'done' : await this.whyNot(id);
  }

  /** Deletes the user (sessions and recovery codes go with it) unless it is the last enabled admin. */
  async delete(id: number): Promise<GuardedResult> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `DELETE FROM "user"
       WHERE "id" = ? AND (NOT ("role" = 'admin' AND "disabled" = 0) OR ${ANOTHER_ADMIN_REMAINS})
       RETURNING "id"`,
      [id],
    );
    return rows.length > 0 ? 'done' : await this.whyNot(id);
  }

  /** Sets the password; `mustChange` says whether it is a one-time password to be replaced at the next sign-in. */
  async setPasswordHash(id: number, passwordHash: string, mustChange: boolean, at: Date): Promise<void> {
    await this.users.update({ id }, { passwordHash, passwordMustChange: mustChange, updatedAt: at.toISOString() });
  }

  /**
   * The recovery console's reset: a one-time password (to be changed at the next sign-in) for an enabled admin only,
   * checked in the same statement that sets it.
   */
  async resetAdminPassword(id: number, passwordHash: string, at: Date): Promise<AdminResetResult> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `UPDATE "user" SET "password_hash" = ?, "password_must_change" = 1, "updated_at" = ?
       WHERE "id" = ? AND "role" = 'admin' AND "disabled" = 0
       RETURNING "id"`,
      [passwordHash, at.toISOString(), id],
    );
    if (rows.length > 0) {
      return 'done';
    }
    return (await this.users.existsBy({ id })) ? 'not_admin' : 'not_found';
  }

  /**
   * Inserts an admin whose password must change at the next sign-in, only if no enabled admin exists (the recovery
   * console, on a router left without one): the check and the insert are one statement, so two consoles cannot make two.
   */
  async insertAdminIfNone(user: Omit<NewUser, 'role'>, at: Date): Promise<AdminInsertResult> {
    try {
      const rows = await queryReturning<{ id: number }>(
        this.dataSource,
        `INSERT INTO "user"
           ("username", "username_key", "username_skeleton", "password_hash", "role", "password_must_change",
            "created_at", "updated_at")
         SELECT ?, ?, ?, ?, 'admin', 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "user" WHERE "role" = 'admin' AND "disabled" = 0)
         RETURNING "id"`,
        [user.username, user.usernameKey, user.usernameSkeleton, user.passwordHash, at.toISOString(), at.toISOString()],
      );
      const id = rows[0]?.id;
      return id === undefined ? 'admin_exists' : { id };
    } catch (error) {
      if (isNameTaken(error)) {
        return 'name_taken';
      }
      throw error;
    }
  }

  /** Replaces the hash only if it is still `expected`: a concurrent password change wins over an upgrade. */
  async upgradePasswordHash(id: number, expected: string, passwordHash: string): Promise<void> {
    await this.users.update({ id, passwordHash: expected }, { passwordHash });
  }

  async setTotpPending(id: number, secret: string, at: Date): Promise<void> {
    await this.users.update({ id }, { totpPendingSecret: secret, updatedAt: at.toISOString() });
  }

  /** Makes the pending secret the active one, with `step` already used (the confirmation code). */
  async activateTotp(id: number, pendingSecret: string, step: number, at: Date): Promise<boolean> {
    const result = await this.users.update(
      { id, totpPendingSecret: pendingSecret },
      { totpSecret: pendingSecret, totpPendingSecret: null, totpLastStep: step, updatedAt: at.toISOString() },
    );
    return result.affected === 1;
  }

  async clearTotp(id: number, at: Date): Promise<void> {
    await this.users.update(
      { id },
      { totpSecret: null, totpPendingSecret: null, totpLastStep: null, updatedAt: at.toISOString() },
    );
  }

  /**
   * Records `step` as used if it is later than the last used one. One statement, so the same code sent twice at
   * once is accepted exactly once. False when the step (or a later one) was already used.
   */
  async consumeTotpStep(id: number, step: number): Promise<boolean> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `UPDATE "user" SET "totp_last_step" = ?1
       WHERE "id" = ?2 AND "totp_secret" IS NOT NULL AND ("totp_last_step" IS NULL OR "totp_last_step" < ?1)
       RETURNING "id"`,
      [step, id],
    );
    return rows.length > 0;
  }

  private async whyNot(id: number): Promise<GuardedResult> {
    return (await this.users.existsBy({ id })) ? 'last_admin' : 'not_found';
  }
}

function isNameTaken(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && /UNIQUE constraint failed: user\.username_(key|skeleton)/.test(error.message)
  );
}
