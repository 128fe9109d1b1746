// The popover's preload: exposes exactly one object, `window.tandem` ({ request, onEvent }), to
// the renderer through contextBridge. Nothing else of Electron or Node reaches the page.
// Sandboxed preloads cannot be ES modules, so Vite bundles this file alone into
// dist-electron/preload.cjs, with 'electron' the only thing it requires.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../../src-shared/ipc/bridge.ts';
import { createBridgeApi } from './bridge-api.ts';

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, createBridgeApi(ipcRenderer));
