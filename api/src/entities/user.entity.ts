import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A local account. Only the service layer sees it: responses go through mapUser(), which drops every secret. */
@Entity('user')
export class UserEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** As the person typed it (NFC-normalized); shown everywhere as plain text. */
  @Column({ type: 'text' })
  username: string;

  /** The case-folded name: unique, and what sign-in and lockout look up. */
  @Column({ name: 'username_key', type: 'text', unique: true })
  usernameKey: string;

  /**
   * How the name looks (services/username-policy.ts): unique, so a look-alike of a name cannot be created. Null
   * only for a name that already looked like an older one when this column came (migration 1764100000000).
   */
  @Column({ name: 'username_skeleton', type: 'text', nullable: true, unique: true })
  usernameSkeleton: string | null;

  /** An argon2id PHC string: algorithm parameters and salt travel with the hash. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Base32 TOTP secret once enrolment is confirmed; null when 2FA is off. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret: string | null;

  /** The secret being enrolled, until a code from it confirms the authenticator has it. */
  @Column({ name: 'totp_pending_secret', type: 'text', nullable: true })
  totpPendingSecret: string | null;

  /** The last 30-second time step whose code was accepted: a code is good once (RFC 6238 §5.2). */
  @Column({ name: 'totp_last_step', type: 'integer', nullable: true })
  totpLastStep: number | null;

  /**
   * The password was set by the recovery console (a one-time password): until the user changes it, their session
   * reaches only its own password change, the session itself and signing out.
   */
  @Column({ name: 'password_must_change', type: 'boolean', default: false })
  passwordMustChange: boolean;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'text' })
  updatedAt: string;
}
