import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { mapSelfTestResult, SelfTestResultDto, SelfTestStateDto } from '../dtos/self-test.dto.js';
import { Access } from '../middleware/access.decorator.js';
import { SelfTestService } from '../services/self-test.service.js';

@ApiTags('selftest')
@Controller('api/selftest')
export class SelfTestController {
  constructor(private readonly service: SelfTestService) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: SelfTestStateDto })
  async getLast(): Promise<SelfTestStateDto> {
    const last = await this.service.lastResult();
    return { last: last === null ? null : mapSelfTestResult(last) };
  }

  // Admins only: it changes no setting, but it has burrowd run commands as root and replaces everyone's last result.
  @Post()
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: SelfTestResultDto, description: 'Each check with pass or fail and why.' })
  @ApiServiceUnavailableResponse({ description: '`firmware_unavailable`: burrowd does not answer.' })
  async run(): Promise<SelfTestResultDto> {
    return mapSelfTestResult(await this.service.run());
  }
}
