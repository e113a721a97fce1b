import { Injectable } from '@nestjs/common';

/** The time, as one injectable: tests move it forward to see what happens in a year. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
