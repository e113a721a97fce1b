// Writes the OpenAPI document: `node api/dist/bin/write-openapi.js <outfile>`.
// Builds the real modules in Nest's preview mode: nothing is instantiated, so no database is opened,
// no directory is created and nothing listens.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { AppModule } from '../app.module.js';
import { parseEnv } from '../env.js';
import { buildOpenApiDocument, serializeOpenApiDocument } from '../openapi.js';

async function writeOpenApi(outfile: string): Promise<void> {
  // Fixed settings rather than the caller's environment: the document must not depend on who runs this.
  // The data dir is never touched in preview mode; it only has to be a valid path.
  const env = parseEnv({ BURROW_DATA_DIR: tmpdir() });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, { serveUi: false }), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = serializeOpenApiDocument(buildOpenApiDocument(app));
  await app.close();
  await writeFile(outfile, document);
}

const outfile = process.argv[2];
if (outfile === undefined || process.argv.length > 3) {
  process.stderr.write('usage: write-openapi <outfile>\n');
  process.exitCode = 2;
} else {
  await writeOpenApi(outfile);
}
