// Test support: "crash" the engine at a chosen step boundary. Every call that changes the disk,
// the server or the store is a boundary, before it runs and after it ran; at the chosen one the
// call throws SimulatedCrash, and so does every later call (the process is dead), while what
// already happened stays done — on the fake disk, the fake server and the memory store — as it
// would after a real crash.

import type { FileSystem } from '../../fs/file-system.ts';
import type { ExecutorPorts, RemoteOps, StateStore } from '../ports.ts';
import { delegate } from './fake-remote.ts';

export class SimulatedCrash extends Error {
  constructor(at: string) {
    super(`simulated crash at ${at}`);
    this.name = 'SimulatedCrash';
  }
}

export class CrashSwitch {
  /** The boundary to crash at (counting from 0); undefined: never. */
  readonly crashAt: number | undefined;
  /** Boundaries passed so far, with their names. */
  readonly boundaries: string[] = [];
  dead = false;

  constructor(crashAt?: number) {
    this.crashAt = crashAt;
  }

  #boundary(name: string): void {
    if (this.dead) throw new SimulatedCrash(`${name} (already dead)`);
    if (this.boundaries.length === this.crashAt) {
      this.dead = true;
      throw new SimulatedCrash(name);
    }
    this.boundaries.push(name);
  }

  async wrap<T>(name: string, call: () => Promise<T>): Promise<T> {
    this.#boundary(`before ${name}`);
    const result = await call();
    this.#boundary(`after ${name}`);
    return result;
  }

  wrapSync<T>(name: string, call: () => T): T {
    this.#boundary(`before ${name}`);
    const result = call();
    this.#boundary(`after ${name}`);
    return result;
  }

  ports(ports: ExecutorPorts): ExecutorPorts {
    const fs = ports.fs;
    const crashFs: FileSystem = {
      description: fs.description,
      syncLister: fs.syncLister,
      lstat: (path) => fs.lstat(path),
      readdir: (path) => fs.readdir(path),
      openRead: (path, expectedSize) => fs.openRead(path, expectedSize),
      readRange: (path, offset, length) => fs.readRange(path, offset, length),
      writeFileAtomic: (path, data, options) => this.wrap(`write ${path}`, () => fs.writeFileAtomic(path, data, options)),
      mkdir: (path) => this.wrap(`mkdir ${path}`, () => fs.mkdir(path)),
      rename: (from, to) => this.wrap(`rename ${from} -> ${to}`, () => fs.rename(from, to)),
      trash: (path) => this.wrap(`trash ${path}`, () => fs.trash(path)),
      remove: (path) => this.wrap(`remove ${path}`, () => fs.remove(path)),
      setExecutable: (path, executable) => this.wrap(`chmod ${path}`, () => fs.setExecutable(path, executable)),
      freeSpace: () => fs.freeSpace(),
    };
    const remote = ports.remote;
    const crashRemote: RemoteOps = delegate(remote, {
      createFolder: (...args) => this.wrap('server createFolder', () => remote.createFolder(...args)),
      uploadBlocks: (...args) => this.wrap('server uploadBlocks', () => remote.uploadBlocks(...args)),
      commitFile: (...args) => this.wrap('server commitFile', () => remote.commitFile(...args)),
      move: (...args) => this.wrap('server move', () => remote.move(...args)),
      delete: (...args) => this.wrap('server delete', () => remote.delete(...args)),
    });
    const store = ports.store;
    const crashStore: StateStore = {
      journalBegin: (...args) => this.wrapSync(`journalBegin ${args[0].kind}`, () => store.journalBegin(...args)),
      journalComplete: (...args) => this.wrapSync('journalComplete', () => store.journalComplete(...args)),
      journalAbandon: (...args) => this.wrapSync('journalAbandon', () => store.journalAbandon(...args)),
      journalEntries: () => store.journalEntries(),
      advance: (...args) => this.wrapSync('advance', () => store.advance(...args)),
      localFacts: (id) => store.localFacts(id),
      blockLocations: (hashes) => store.blockLocations(hashes),
      seenCursor: () => store.seenCursor(),
    };
    return { ...ports, fs: crashFs, remote: crashRemote, store: crashStore };
  }
}

/**
 * A crash switch that fires at the first step boundary whose name matches (rather than at a
 * count): "before rename .tandem-tmp-dl-… -> a.txt", "after server commitFile", "before
 * journalComplete". Everything after it throws too: the process is dead.
 */
export class CrashWhen extends CrashSwitch {
  readonly match: (boundary: string) => boolean;
  fired: string | undefined;

  constructor(match: (boundary: string) => boolean) {
    super();
    this.match = match;
  }

  #check(boundary: string): void {
    if (this.dead) throw new SimulatedCrash(`${boundary} (already dead)`);
    if (this.match(boundary)) {
      this.dead = true;
      this.fired = boundary;
      throw new SimulatedCrash(boundary);
    }
    this.boundaries.push(boundary);
  }

  override async wrap<T>(name: string, call: () => Promise<T>): Promise<T> {
    this.#check(`before ${name}`);
    const result = await call();
    this.#check(`after ${name}`);
    return result;
  }

  override wrapSync<T>(name: string, call: () => T): T {
    this.#check(`before ${name}`);
    const result = call();
    this.#check(`after ${name}`);
    return result;
  }
}
