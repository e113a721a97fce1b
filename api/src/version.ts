// The release version, read once from the package that ships with the build.
import { readFileSync } from 'node:fs';

interface PackageJson {
  version?: unknown;
}

function readVersion(): string {
  // api/dist/version.js → api/package.json, present wherever the API runs because Node needs its "type".
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;
  if (typeof manifest.version !== 'string' || manifest.version === '') {
    throw new Error('api/package.json has no version');
  }
  return manifest.version;
}

export const BURROW_VERSION: string = readVersion();
