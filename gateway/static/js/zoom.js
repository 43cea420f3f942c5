// Pan and zoom for a stage inside a clipping viewport: fit to the width by default, pinch and
// double-tap (or double-click, ctrl+wheel, the buttons) to zoom, drag to pan. Plain pointer
// events and a CSS transform; no library.

const TAP_MS = 300;
const TAP_SLOP_PX = 24;
const DRAG_PX = 6;

export class PanZoom {
  #pointers = new Map(); // pointerId -> {x, y}
  #gesture = null; // {kind: "drag" | "pinch", ...start}
  #dragged = false;
  #lastTap = null; // {at, x, y}
  #touchToggledAt = -Infinity;
  #natural = { width: 0, height: 0 };

  /**
   * `stage` is transformed inside `viewport`; onChange({scale, x, y, fit}) runs after every
   * move. maxScale is the largest zoom (1 = the stage's own size).
   */
  constructor(viewport, stage, { maxScale = 1.6, onChange = () => {} } = {}) {
    this.viewport = viewport;
    this.stage = stage;
    this.maxScale = maxScale;
    this.onChange = onChange;
    this.scale = 1;
    this.fitScale = 1;
    this.x = 0;
    this.y = 0;
    viewport.addEventListener("pointerdown", (event) => this.#down(event));
    // the rest of a gesture is followed on the window: a drag may leave the viewport
    this.listeners = {
      pointermove: (event) => this.#move(event),
      pointerup: (event) => this.#up(event),
      pointercancel: (event) => this.#up(event),
    };
    for (const [type, listener] of Object.entries(this.listeners)) {
      window.addEventListener(type, listener);
    }
    viewport.addEventListener("click", (event) => this.#swallowClickAfterDrag(event), true);
    viewport.addEventListener("dblclick", (event) => {
      // a touch double-tap was handled on its pointerup; some browsers add a dblclick
      if (performance.now() - this.#touchToggledAt > 600) this.#toggleAt(event.clientX, event.clientY);
    });
    viewport.addEventListener("wheel", (event) => this.#wheel(event), { passive: false });
    this.resizes = new ResizeObserver(() => this.measure());
    this.resizes.observe(viewport);
  }

  get zoomed() {
    return this.scale > this.fitScale * 1.01;
  }

  /** Measures the stage again (new seats, a new width) and fits it. */
  measure() {
    this.#natural = { width: this.stage.offsetWidth, height: this.stage.offsetHeight };
    const width = this.viewport.clientWidth;
    if (!width || !this.#natural.width) return;
    const wasZoomed = this.zoomed;
    this.fitScale = Math.min(1, width / this.#natural.width);
    if (!wasZoomed || this.scale < this.fitScale) this.scale = this.fitScale;
    this.#apply();
  }

  fit() {
    this.scale = this.fitScale;
    this.#apply();
  }

  /** Zooms by `factor` around the viewport's centre. */
  zoomBy(factor) {
    const box = this.viewport.getBoundingClientRect();
    this.#zoomAt(this.scale * factor, box.left + box.width / 2, box.top + box.height / 2);
  }

  /** Pans so `element` (inside the stage) is wholly in view. */
  reveal(element) {
    const box = this.viewport.getBoundingClientRect();
    const target = element.getBoundingClientRect();
    const margin = 8;
    if (target.left < box.left + margin) this.x += box.left + margin - target.left;
    else if (target.right > box.right - margin) this.x -= target.right - (box.right - margin);
    if (target.top < box.top + margin) this.y += box.top + margin - target.top;
    else if (target.bottom > box.bottom - margin) this.y -= target.bottom - (box.bottom - margin);
    this.#apply();
  }

  destroy() {
    this.resizes.disconnect();
    for (const [type, listener] of Object.entries(this.listeners)) {
      window.removeEventListener(type, listener);
    }
  }

  #zoomAt(scale, clientX, clientY) {
    const next = Math.min(this.maxScale, Math.max(this.fitScale, scale));
    const box = this.viewport.getBoundingClientRect();
    const px = clientX - box.left;
    const py = clientY - box.top;
    this.x = px - ((px - this.x) * next) / this.scale;
    this.y = py - ((py - this.y) * next) / this.scale;
    this.scale = next;
    this.#apply();
  }

  #toggleAt(clientX, clientY) {
    if (this.scale >= this.maxScale * 0.99) this.fit();
    else this.#zoomAt(Math.max(this.scale * 2, 1), clientX, clientY);
  }

  /** The viewport grows with the zoom up to 60% of the window, then the stage pans inside. */
  #apply() {
    const { width, height } = this.#natural;
    const viewWidth = this.viewport.clientWidth;
    const fitHeight = height * this.fitScale;
    const viewHeight = Math.max(
      fitHeight,
      Math.min(height * this.scale, window.innerHeight * 0.6),
    );
    this.viewport.style.height = `${Math.ceil(viewHeight)}px`;
    const clamp = (offset, size, room) =>
      size <= room ? (room - size) / 2 : Math.min(0, Math.max(room - size, offset));
    this.x = clamp(this.x, width * this.scale, viewWidth);
    this.y = clamp(this.y, height * this.scale, viewHeight);
    this.stage.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.viewport.classList.toggle("pan-zoom--zoomed", this.zoomed);
    this.onChange({ scale: this.scale, x: this.x, y: this.y, fit: !this.zoomed });
  }

  #down(event) {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    this.#pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    this.#dragged = false;
    if (this.#pointers.size === 2) {
      const [a, b] = [...this.#pointers.values()];
      this.#gesture = {
        kind: "pinch",
        distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
        scale: this.scale,
      };
    } else if (this.#pointers.size === 1) {
      this.#gesture = {
        kind: "press",
        x: event.clientX,
        y: event.clientY,
        panX: this.x,
        panY: this.y,
      };
    }
  }

  #move(event) {
    if (!this.#pointers.has(event.pointerId)) return;
    this.#pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    const gesture = this.#gesture;
    if (!gesture) return;
    if (gesture.kind === "pinch" && this.#pointers.size >= 2) {
      const [a, b] = [...this.#pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      this.#dragged = true;
      this.#zoomAt((gesture.scale * distance) / gesture.distance, (a.x + b.x) / 2, (a.y + b.y) / 2);
      event.preventDefault();
      return;
    }
    const dx = event.clientX - gesture.x;
    const dy = event.clientY - gesture.y;
    if (gesture.kind === "press" && Math.hypot(dx, dy) > DRAG_PX && this.zoomed) {
      gesture.kind = "drag";
      this.viewport.setPointerCapture(event.pointerId);
    }
    if (gesture.kind === "drag") {
      this.#dragged = true;
      this.x = gesture.panX + dx;
      this.y = gesture.panY + dy;
      this.#apply();
      event.preventDefault();
    }
  }

  #up(event) {
    if (!this.#pointers.delete(event.pointerId)) return;
    if (this.#pointers.size > 0) return;
    const tapped = this.#gesture?.kind === "press" && event.type === "pointerup";
    this.#gesture = null;
    if (!tapped || event.pointerType === "mouse") return; // mice double-click (dblclick)
    const now = performance.now();
    const last = this.#lastTap;
    if (
      last &&
      now - last.at < TAP_MS &&
      Math.hypot(event.clientX - last.x, event.clientY - last.y) < TAP_SLOP_PX
    ) {
      this.#lastTap = null;
      this.#touchToggledAt = now;
      this.#toggleAt(event.clientX, event.clientY);
    } else {
      this.#lastTap = { at: now, x: event.clientX, y: event.clientY };
    }
  }

  #swallowClickAfterDrag(event) {
    if (!this.#dragged) return;
    this.#dragged = false;
    event.stopPropagation();
    event.preventDefault();
  }

  #wheel(event) {
    if (!event.ctrlKey) return; // a trackpad pinch; a plain wheel scrolls the page
    event.preventDefault();
    this.#zoomAt(this.scale * Math.exp(-event.deltaY / 200), event.clientX, event.clientY);
  }
}
