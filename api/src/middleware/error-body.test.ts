import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import test from 'ava';
import { DomainError } from '../services/domain-error.js';
import { errorBody } from './error-body.js';

test('an HttpException keeps its status and message', (t) => {
  t.deepEqual(errorBody(new NotFoundException('No such tunnel'), 'r1'), {
    statusCode: 404,
    error: 'Not Found',
    message: 'No such tunnel',
    requestId: 'r1',
  });
});

test('validation failures keep the list of messages', (t) => {
  const exception = new BadRequestException(['name must be a string', 'port must not be less than 1']);
  t.deepEqual(errorBody(exception, 'r2').message, ['name must be a string', 'port must not be less than 1']);
});

test('a plain string response gets the reason phrase as its error', (t) => {
  t.deepEqual(errorBody(new HttpException('Slow down', 429), 'r3'), {
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'Slow down',
    requestId: 'r3',
  });
});

test('an unexpected error reveals nothing of itself', (t) => {
  const body = errorBody(new Error('SQLITE_CORRUPT at /data/burrow.db'), 'r4');
  t.deepEqual(body, {
    statusCode: 500,
    error: 'Internal Server Error',
    message: 'Internal server error',
    requestId: 'r4',
  });
});

test('a DomainError carries its code next to the message', (t) => {
  t.deepEqual(errorBody(new DomainError('conflict', 'last_admin', 'The last admin must stay'), 'r5'), {
    statusCode: 409,
    error: 'Conflict',
    message: 'The last admin must stay',
    code: 'last_admin',
    requestId: 'r5',
  });
});

test('a code that is not one of ours is not passed on', (t) => {
  const body = errorBody(new HttpException({ message: 'x', code: 'SQLITE_BUSY' }, 500), 'r6');
  t.false('code' in body);
});
