import { Injectable } from '@nestjs/common';
import { readNetworkInterfaces, readReachableAddresses, type NetworkInterface } from './network-interfaces.js';

@Injectable()
export class NetworkInterfaceRepository {
  list(): Promise<NetworkInterface[]> {
    return readNetworkInterfaces();
  }

  reachableAddresses(): Promise<string[]> {
    return readReachableAddresses();
  }
}
