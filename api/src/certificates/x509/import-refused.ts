// Why an uploaded certificate and key were refused: the check that failed, and a message for the person who
// uploaded them saying what is wrong and what to do about it.

export type ImportCheck =
  | 'certificate-pem'
  | 'key-pem'
  | 'key-encrypted'
  | 'key-unsupported'
  | 'key-mismatch'
  | 'chain-order'
  | 'weak-signature'
  | 'issuer-not-valid'
  | 'self-signed'
  | 'issuer-missing'
  | 'not-yet-valid'
  | 'expired'
  | 'expires-soon'
  | 'names'
  | 'not-a-server-certificate'
  | 'refused-by-tls';

export class ImportRefusedError extends Error {
  constructor(
    readonly check: ImportCheck,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRefusedError';
  }
}
