// @peculiar/x509, ready to use: its dependency injection (tsyringe) needs the reflect-metadata polyfill loaded
// before it, and it signs and hashes through whatever WebCrypto provider it is given. Every module here imports
// the library through this file, so both hold before the first call, whatever the entry point imported first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { cryptoProvider } from '@peculiar/x509';

export * from '@peculiar/x509';

export const subtle = webcrypto.subtle;

cryptoProvider.set(webcrypto);
