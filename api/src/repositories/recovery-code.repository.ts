import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { RecoveryCodeEntity } from '../entities/recovery-code.entity.js';

/** Hashed single-use recovery codes. */
@Injectable()
export class RecoveryCodeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get codes() {
    return this.dataSource.getRepository(RecoveryCodeEntity);
  }

  /** Drops the user's codes and stores `hashes` as the new set, in one transaction: never no set at all. */
  async replace(userId: number, hashes: readonly string[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const codes = manager.getRepository(RecoveryCodeEntity);
      await codes.delete({ userId });
      await codes.insert(hashes.map((codeHash) => ({ userId, codeHash, usedAt: null })));
    });
  }

  async deleteAll(userId: number): Promise<void> {
    await this.codes.delete({ userId });
  }

  countUnused(userId: number): Promise<number> {
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  listUnused(userId: number): Promise<RecoveryCodeEntity[]> {
    return this.codes.find({ where: { userId, usedAt: IsNull() }, order: { id: 'ASC' } });
  }

  /** Marks the code used if nobody used it first; false when it was already used. */
  async markUsed(id: number, at: Date): Promise<boolean> {
    const result = await this.codes.update({ id, usedAt: IsNull() }, { usedAt: at.toISOString() });
    return result.affected === 1;
  }
}
