// The renderer's entry: connect to the app (Electron bridge or the host's WebSocket), mirror its
// state in the store, and show the popover or the dialog it opened.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createIpcClient } from '../src-shared/ipc/client.ts';
import { connectToTandem } from './ipc/connect.ts';
import { createTandemStore } from './state/tandem-store.ts';
import { TandemApp } from './ui/TandemApp.tsx';

const connection = connectToTandem();
const store = createTandemStore(createIpcClient(connection.transport), connection);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');
createRoot(root).render(
  <StrictMode>
    <TandemApp store={store} />
  </StrictMode>,
);
