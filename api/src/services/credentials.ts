// Turning what a person typed into a valid name and an acceptable password, or a clear 400.
import { DomainError } from './domain-error.js';
import { passwordProblem } from './password-policy.js';
import { checkUsername } from './username-policy.js';

export function validUsername(raw: string): { username: string; key: string; skeleton: string } {
  const checked = checkUsername(raw);
  if ('problem' in checked) {
    throw new DomainError('invalid', 'invalid_username', checked.problem);
  }
  return checked;
}

export function assertAcceptablePassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem !== undefined) {
    throw new DomainError('invalid', 'weak_password', problem);
  }
}
