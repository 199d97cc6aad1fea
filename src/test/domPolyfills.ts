/**
 * Browser APIs that jsdom lacks but @grafana/ui touches when its modules load or render
 * (uPlot reads matchMedia at import time; some components observe their size).
 * Import this first in a frontend test file, before anything from @grafana/*.
 */
import { clearImmediate as nodeClearImmediate, setImmediate as nodeSetImmediate } from 'timers';
import { TextDecoder as NodeTextDecoder, TextEncoder as NodeTextEncoder } from 'util';

// The backend code some tests drive (the live hub's encode-ahead) runs on Node, where setImmediate exists; jsdom hides it.
if (typeof globalThis.setImmediate === 'undefined') {
  Object.assign(globalThis, { setImmediate: nodeSetImmediate, clearImmediate: nodeClearImmediate });
}

// jsdom has no TextEncoder/TextDecoder; our backend's frame encoders (used as test fixtures) need them.
if (typeof globalThis.TextDecoder === 'undefined') {
  Object.assign(globalThis, { TextDecoder: NodeTextDecoder, TextEncoder: NodeTextEncoder });
}
if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    Object.defineProperty(window, 'matchMedia', {
      writable: true,
      value: (query: string) => ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => undefined,
        removeListener: () => undefined,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        dispatchEvent: () => false,
      }),
    });
  }
  if (!('ResizeObserver' in window)) {
    class NoopResizeObserver {
      observe() {}
      unobserve() {}
      disconnect() {}
    }
    Object.defineProperty(window, 'ResizeObserver', { writable: true, value: NoopResizeObserver });
  }
  if (!('IntersectionObserver' in window)) {
    class NoopIntersectionObserver {
      readonly root = null;
      readonly rootMargin = '';
      readonly thresholds = [];
      observe() {}
      unobserve() {}
      disconnect() {}
      takeRecords() {
        return [];
      }
    }
    Object.defineProperty(window, 'IntersectionObserver', { writable: true, value: NoopIntersectionObserver });
  }
  if (!HTMLCanvasElement.prototype.getContext || String(HTMLCanvasElement.prototype.getContext).includes('not implemented')) {
    // Grafana UI measures text with a 2D context; jsdom has none, and no test here depends on pixel widths.
    HTMLCanvasElement.prototype.getContext = (() => ({ measureText: (text: string) => ({ width: text.length * 7 }), font: '' })) as never;
  }
}
export {};
