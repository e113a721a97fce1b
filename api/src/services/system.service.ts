import { Injectable } from '@nestjs/common';
import { mapSystemStatus, type SystemStatusDto, type SystemStatusParts } from '../dtos/system-status.dto.js';
import { AppEnv } from '../env.js';
import { HostRepository } from '../repositories/host.repository.js';
import { NetworkInterfaceRepository } from '../repositories/network-interface.repository.js';
import { BURROW_VERSION } from '../version.js';
import { CpuUsageMeter } from './cpu-usage.js';
import { readRouterInterfaces } from './router-report.js';
import { StatusHubService } from './status-hub.service.js';

@Injectable()
export class SystemService {
  // One meter for the process: each status request measures CPU use since the previous one.
  private readonly cpuUsage = new CpuUsageMeter();

  constructor(
    private readonly env: AppEnv,
    private readonly host: HostRepository,
    private readonly networkInterfaces: NetworkInterfaceRepository,
    private readonly hub: StatusHubService,
  ) {}

  /** The router's interfaces when burrowd reports them; otherwise the API host's, saying so. */
  private async interfaces(): Promise<SystemStatusParts['interfaces']> {
    const router = readRouterInterfaces((await this.hub.read()).raw);
    return router === null
      ? { source: 'api-host', list: await this.networkInterfaces.list() }
      : { source: 'router', list: router };
  }

  async getStatus(): Promise<SystemStatusDto> {
    const cpu = this.host.cpu();
    const [disk, temperatureCelsius, interfaces] = await Promise.all([
      this.host.disk(this.env.dataDir),
      this.host.temperatureCelsius(),
      this.interfaces(),
    ]);
    return mapSystemStatus({
      hostname: this.host.hostname(),
      firmwareVersion: BURROW_VERSION,
      time: new Date(),
      uptimeSeconds: this.host.uptimeSeconds(),
      load: this.host.loadAverage(),
      cpu: { model: cpu.model, cores: cpu.cores, usagePercent: this.cpuUsage.sample(cpu.times) },
      memory: this.host.memory(),
      diskPath: this.env.dataDir,
      disk,
      temperatureCelsius,
      interfaces,
    });
  }
}
