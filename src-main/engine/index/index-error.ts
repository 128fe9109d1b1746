// Why the local index could not do something: a stable code for the engine, one sentence for
// people (never a stack trace), and the folder involved where there is one.

export type IndexErrorCode =
  | 'state_inside_folder' // the state folder is the synced folder or inside it
  | 'wrong_folder' // this state folder belongs to another synced folder
  | 'newer_schema' // written by a newer Tandem
  | 'cannot_open' // the database file cannot be created or read
  | 'bad_input' // a caller handed in something the index does not store
  | 'not_found'; // a journal entry, tree or question that is not there

export class IndexError extends Error {
  readonly code: IndexErrorCode;
  readonly path: string | undefined;

  constructor(code: IndexErrorCode, message: string, path?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IndexError';
    this.code = code;
    this.path = path;
  }
}
