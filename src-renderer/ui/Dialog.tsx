// The frame every dialog shares: a labelled dialog region that fills the window, a Close button,
// Esc to close, and focus moved into it on open so keyboard users start inside.
import { type ReactNode, useEffect, useRef } from 'react';

export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLElement>(null);
  const titleId = `dialog-title-${title.replace(/\W+/g, '-').toLowerCase()}`;
  useEffect(() => {
    ref.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <section ref={ref} tabIndex={-1} className={wide ? 'dialog wide' : 'dialog'} role="dialog" aria-modal="true" aria-labelledby={titleId}>
      <header className="dialog-header">
        <h1 id={titleId}>{title}</h1>
        <button type="button" className="close" aria-label={`Close ${title}`} onClick={onClose}>
          Close
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </section>
  );
}

/** One sentence of what went wrong, shown where the action was. */
export function ErrorLine({ message }: { message: string | undefined }) {
  return message ? (
    <p className="action-error" role="alert">
      {message}
    </p>
  ) : null;
}
