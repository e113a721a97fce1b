import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { usernameSkeleton } from '../services/username-policy.js';

/**
 * How each name looks (its UTS #39 skeleton), unique from now on, so a look-alike of a name cannot be created.
 *
 * Names that already look alike stay as they are: each still signs in with its own name and password, since
 * sign-in matches the stored name, never its skeleton. The oldest of them keeps the skeleton; the later ones get
 * none (NULL, which the unique index allows) and an audit entry that names the older one, so an admin can
 * review them and rename or delete one. Disabling or renaming accounts here could lock a household out.
 */
export class UsernameSkeleton1764100000000 implements MigrationInterface {
  name = 'UsernameSkeleton1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" ADD COLUMN "username_skeleton" text`);
    const users = (await queryRunner.query(`SELECT "id", "username" FROM "user" ORDER BY "id"`)) as Array<{
      id: number;
      username: string;
    }>;
    const owners = new Map<string, string>();
    const at = new Date().toISOString();
    for (const { id, username } of users) {
      const skeleton = usernameSkeleton(username);
      const owner = owners.get(skeleton);
      if (owner === undefined) {
        owners.set(skeleton, username);
        await queryRunner.query(`UPDATE "user" SET "username_skeleton" = ? WHERE "id" = ?`, [skeleton, id]);
      } else {
        await queryRunner.query(
          `INSERT INTO "audit_event" ("at", "action", "target", "details") VALUES (?, 'user.name_confusable', ?, ?)`,
          [at, username, JSON.stringify({ looksLike: owner })],
        );
      }
    }
    await queryRunner.query(`CREATE UNIQUE INDEX "user_username_skeleton" ON "user" ("username_skeleton")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "user_username_skeleton"`);
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "username_skeleton"`);
  }
}
