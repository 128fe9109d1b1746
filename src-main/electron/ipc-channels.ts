// The two Electron IPC channels between the preload and the main process. Every message on them
// is an envelope from src-shared/ipc/envelope.ts; these names are the only channels we listen on.
export const REQUEST_CHANNEL = 'tandem:request';
export const EVENT_CHANNEL = 'tandem:event';
