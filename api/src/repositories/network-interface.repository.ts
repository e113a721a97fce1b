import { Injectable } from '@nestjs/common';
import { readNetworkInterfaces, type NetworkInterface } from './network-interfaces.js';

@Injectable()
export class NetworkInterfaceRepository {
  list(): Promise<NetworkInterface[]> {
    return readNetworkInterfaces();
  }
}
