// Reading whether the network is metered, per platform, with the system commands replaced.
import { describe, expect, it } from 'vitest';
import { meteredSourceFor, parseNetworkManagerMetered, parseWindowsCost } from './metered.ts';

describe('metered network readings', () => {
  it("reads NetworkManager's Metered property (guesses count) and Windows' connection cost", () => {
    expect(['u 0', 'u 1', 'u 2', 'u 3', 'u 4', '', 'garbage'].map(parseNetworkManagerMetered)).toEqual([undefined, true, false, true, false, undefined, undefined]);
    expect(['Unrestricted', 'Fixed', 'Variable\r\n', 'Unknown', ''].map(parseWindowsCost)).toEqual([false, true, true, undefined, undefined]);
  });

  it('asks busctl on Linux and PowerShell on Windows; says macOS cannot tell', async () => {
    const asked: string[] = [];
    const linux = meteredSourceFor('linux', async (file, args) => {
      asked.push(`${file} ${args.at(-1)}`);
      return 'u 3\n';
    });
    expect(linux.unavailable).toBeUndefined();
    expect(await linux.read()).toBe(true);
    const windows = meteredSourceFor('win32', async (file) => {
      asked.push(file);
      return 'Unrestricted\r\n';
    });
    expect(await windows.read()).toBe(false);
    expect(asked).toEqual(['busctl Metered', 'powershell.exe']);
    expect(meteredSourceFor('darwin').unavailable).toBe('This computer does not tell Tandem whether a network is metered, so this setting does nothing here yet.');
  });

  it('says why when the system cannot be asked', async () => {
    const linux = meteredSourceFor('linux', async () => {
      throw new Error('Failed to connect to bus');
    });
    await expect(linux.read()).rejects.toThrow('NetworkManager did not answer');
  });
});
