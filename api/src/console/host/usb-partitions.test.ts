// lsblk's view of the machine → the sticks the console offers.
import test from 'ava';
import { usbPartitionsFromLsblk } from './usb-partitions.js';

const LSBLK = JSON.stringify({
  blockdevices: [
    {
      name: 'mmcblk0',
      path: '/dev/mmcblk0',
      size: '29.7G',
      label: null,
      fstype: null,
      rm: false,
      tran: null,
      mountpoint: null,
      children: [
        { name: 'mmcblk0p1', path: '/dev/mmcblk0p1', size: '256M', fstype: 'vfat', rm: false, mountpoint: '/boot' },
      ],
    },
    {
      name: 'sda',
      path: '/dev/sda',
      size: '7.5G',
      fstype: null,
      rm: '1',
      tran: 'usb',
      children: [
        { name: 'sda1', path: '/dev/sda1', size: '7.5G', label: 'BACKUPS', fstype: 'vfat', rm: '1', tran: null },
        { name: 'sda2', path: '/dev/sda2', size: '1M', label: null, fstype: null, rm: '1', tran: null },
      ],
    },
    { name: 'sdb', path: '/dev/sdb', size: '14G', label: 'STICK', fstype: 'exfat', rm: false, tran: 'usb' },
  ],
});

test('partitions with a filesystem on removable or USB disks are offered; internal disks are not', (t) => {
  t.deepEqual(usbPartitionsFromLsblk(LSBLK), [
    { path: '/dev/sda1', name: 'sda1', size: '7.5G', label: 'BACKUPS', fsType: 'vfat', mountpoint: null },
    { path: '/dev/sdb', name: 'sdb', size: '14G', label: 'STICK', fsType: 'exfat', mountpoint: null },
  ]);
});

test('a machine without block devices offers nothing', (t) => {
  t.deepEqual(usbPartitionsFromLsblk('{"blockdevices": []}'), []);
  t.deepEqual(usbPartitionsFromLsblk('{}'), []);
});
