import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  guessAdapter,
  isSoftwareAdapterName,
  parseHardwareDevices,
  vulkanDrivers,
} from '../../../src/model/engines/gpu-adapter.ts';
import { tempDir } from '../../helpers/tmp.ts';

const LOG = [
  '2026-12-01 21:29:52.617 [V:onnxruntime:onnxruntime-node, device_discovery.cc:308 GetGpuDevices] No GPUs found',
  '2026-12-01 21:29:52.617 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x1022, device_id:0x0, vendor:AMD, type:0, metadata: []}',
  'garbage Discovered OrtHardwareDevice {vendor_id:zz}',
  '2026-12-01 [I:onnxruntime:, x.cc:1 f] Discovered OrtHardwareDevice {vendor_id:0x10DE, device_id:0x2684, vendor:NVIDIA, type:1, metadata: [Description=NVIDIA GeForce RTX 4090, DxgiAdapterNumber=0]}',
].join('\n');

test('onnxruntime hardware-discovery lines are parsed; others ignored', () => {
  assert.deepEqual(parseHardwareDevices(LOG), [
    { vendorId: '0x1022', deviceId: '0x0', vendor: 'AMD', type: 'cpu' },
    {
      vendorId: '0x10de',
      deviceId: '0x2684',
      vendor: 'NVIDIA',
      type: 'gpu',
      description: 'NVIDIA GeForce RTX 4090',
    },
  ]);
});

test('Vulkan driver manifests name the driver; lavapipe is software', (t) => {
  const dir = tempDir(t);
  const lvp = join(dir, 'lvp_icd.x86_64.json');
  const radv = join(dir, 'radeon_icd.x86_64.json');
  writeFileSync(lvp, JSON.stringify({ ICD: { library_path: '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so' } }));
  writeFileSync(radv, JSON.stringify({ ICD: { library_path: 'libvulkan_radeon.so' } }));
  writeFileSync(join(dir, 'broken.json'), '{');
  const drivers = vulkanDrivers({ VK_ICD_FILENAMES: dir });
  assert.deepEqual(
    drivers.map((d) => [d.name, d.software]),
    [
      ['llvmpipe (Mesa lavapipe)', true],
      ['AMD (Mesa RADV)', false],
    ],
  );
  assert.deepEqual(vulkanDrivers({ VK_ICD_FILENAMES: join(dir, 'missing.json') }), []);
});

test('software adapters are recognised by name', () => {
  for (const name of [
    'llvmpipe (LLVM 15.0.6, 256 bits)',
    'SwiftShader Device',
    'Microsoft Basic Render Driver',
  ]) {
    assert.ok(isSoftwareAdapterName(name), name);
  }
  assert.ok(!isSoftwareAdapterName('NVIDIA GeForce RTX 4090'));
});

test('Windows without a discovered GPU means WARP; with one, its name', () => {
  const devices = parseHardwareDevices(LOG);
  assert.deepEqual(guessAdapter('dml', devices.slice(0, 1), 'win32'), {
    adapter: 'Microsoft Basic Render Driver (WARP, software; DirectML)',
    software: true,
  });
  assert.deepEqual(guessAdapter('webgpu', devices, 'win32'), {
    adapter: 'NVIDIA GeForce RTX 4090 (Direct3D 12)',
    software: false,
  });
  assert.equal(guessAdapter('webgpu', [], 'darwin').software, false);
});

test('Linux with a discovered GPU is not a software adapter', () => {
  const got = guessAdapter('webgpu', parseHardwareDevices(LOG), 'linux', {
    VK_ICD_FILENAMES: '/nonexistent',
  });
  assert.deepEqual(got, { adapter: 'NVIDIA GeForce RTX 4090 (Vulkan)', software: false });
});
