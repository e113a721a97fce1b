import { type DataSource } from 'typeorm';

/**
 * Runs one data-changing statement that ends in RETURNING and gives back its rows. TypeORM's sqlite driver
 * sends statements starting with `INSERT `, `UPDATE ` or `DELETE ` through run(), which discards rows; the
 * leading comment makes it use all(), which returns them. The statement itself stays one atomic step.
 */
export function queryReturning<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  return dataSource.query<T[]>(`/* returning */ ${sql}`, parameters);
}
