/**
 * Points on the GPU with plain WebGL: one buffer of points drawn in one call per picture, and
 * picking and the lasso on the CPU (a pass over 100 000 points takes about a millisecond).
 * Chosen over scatter-plot libraries by measurement (`bench/map-renderers.ts`, docs/map.md):
 * on a software GPU the candidates were several times slower, or did not draw at all.
 */
import { pointsInPolygon } from './lasso-hit.ts';
import { compileProgram, OffscreenPicture } from './offscreen-picture.ts';
import { previewTransform, toData, toScreen, type PlotView } from './plot-view.ts';

export type MouseMode = 'lasso' | 'panZoom';

export interface ScatterEvents {
  onLasso(indices: number[]): void;
  onClick(index: number): void;
  onHover(index: number | null): void;
}

// One RGBA byte quadruple per point: the colour, and in alpha whether the point is selected
// (255) or not (0). Bytes, not floats: a quarter of the upload, and four bytes keep the
// attribute in a format the GPU reads directly (ANGLE converts three-byte attributes on upload).
const VERTEX = `
attribute vec2 a_pos;
attribute vec4 a_color;
uniform vec2 u_scale;
uniform vec2 u_center;
uniform float u_size;
uniform float u_anySelected;
varying vec3 v_color;
varying float v_selected;
varying float v_alpha;
void main() {
  gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
  bool selected = a_color.a > 0.5;
  gl_PointSize = selected ? max(u_size * 1.6, 5.0) : u_size;
  v_color = a_color.rgb;
  v_selected = selected ? 1.0 : 0.0;
  v_alpha = u_anySelected > 0.5 && !selected ? 0.35 : 1.0;
}`;

// Points of three pixels or less are drawn square: the disc test ("discard") costs every
// fragment on a software GPU and changes almost nothing at that size.
const FRAGMENT = `
precision mediump float;
uniform float u_round;
varying vec3 v_color;
varying float v_selected;
varying float v_alpha;
void main() {
  vec3 c = v_color;
  if (u_round > 0.5 || v_selected > 0.5) {
    vec2 d = gl_PointCoord - vec2(0.5);
    float r = length(d);
    if (r > 0.5) discard;
    if (v_selected > 0.5 && r > 0.36) c = vec3(0.1, 0.1, 0.12);
  }
  gl_FragColor = vec4(c, v_alpha);
}`;

/** After the last wheel step, how long to wait before drawing the settled view properly. */
const SETTLE_MS = 120;

/**
 * Points drawn per frame when a picture is redrawn (after a gesture, a recolouring, a new
 * selection): a bigger set is drawn off screen over several frames and shown when complete, so
 * no frame waits for all of them (100 000 points took ~150 ms a frame on a software GPU).
 */
const POINTS_PER_FRAME = 25_000;

export class ScatterGL {
  readonly #canvas: HTMLCanvasElement;
  readonly #overlay: HTMLCanvasElement;
  readonly #gl: WebGLRenderingContext;
  readonly #program: WebGLProgram;
  readonly #picture: OffscreenPicture;
  /** The next point of a picture being drawn over several frames, or -1 when none is. */
  #progress = -1;
  #pictureView: PlotView = { center: [0, 0], zoom: 1 };
  readonly #buffers: { pos: WebGLBuffer; color: WebGLBuffer };
  readonly #uniforms: Record<
    'scale' | 'center' | 'size' | 'anySelected' | 'round',
    WebGLUniformLocation | null
  >;
  readonly #events: ScatterEvents;
  #xy: Float32Array = new Float32Array(0);
  /** Per point: r, g, b, and 255 in alpha when selected — exactly what the GPU holds. */
  #rgba = new Uint8Array(0);
  #anySelected = false;
  #center: [number, number] = [0, 0];
  #zoom = 1;
  /** The view of the picture on the canvas; while a gesture moves the view, the canvas is moved to match. */
  #drawnView: PlotView = { center: [0, 0], zoom: 1 };
  #settle: ReturnType<typeof setTimeout> | undefined;
  #mode: MouseMode = 'lasso';
  #width = 1;
  #height = 1;
  #frame = 0;
  /** The next draw is the first of a new set of points: it leaves a User Timing mark. */
  #firstDrawOfPoints = false;
  #drag: { x: number; y: number; moved: boolean; path: [number, number][]; center: [number, number] } | null =
    null;
  readonly #off: (() => void)[] = [];

  constructor(canvas: HTMLCanvasElement, overlay: HTMLCanvasElement, events: ScatterEvents) {
    this.#canvas = canvas;
    this.#overlay = overlay;
    this.#events = events;
    // No multisampling: the points are discs cut by the fragment shader, whose edges it does not
    // smooth, and on a software GPU it multiplied the cost of every frame.
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false, depth: false });
    if (!gl) throw new Error('WebGL is not available');
    this.#gl = gl;
    const program = compileProgram(gl, VERTEX, FRAGMENT, ['a_pos', 'a_color']);
    this.#program = program;
    this.#buffers = { pos: gl.createBuffer()!, color: gl.createBuffer()! };
    this.#picture = new OffscreenPicture(gl);
    this.#usePoints();
    const u = (name: string): WebGLUniformLocation | null => gl.getUniformLocation(program, name);
    this.#uniforms = {
      scale: u('u_scale'),
      center: u('u_center'),
      size: u('u_size'),
      anySelected: u('u_anySelected'),
      round: u('u_round'),
    };
    this.#warmUp();
    const on = <K extends keyof HTMLElementEventMap>(
      el: HTMLElement | Window,
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
    ): void => {
      el.addEventListener(type, fn as EventListener);
      this.#off.push(() => el.removeEventListener(type, fn as EventListener));
    };
    on(overlay, 'mousedown', (e) => this.#down(e));
    on(window, 'mousemove', (e) => this.#move(e));
    on(window, 'mouseup', (e) => this.#up(e));
    on(overlay, 'wheel', (e) => this.#wheel(e));
    on(overlay, 'mouseleave', () => this.#events.onHover(null));
  }

  set mode(m: MouseMode) {
    this.#mode = m;
    this.#overlay.style.cursor = m === 'lasso' ? 'crosshair' : 'grab';
  }

  resize(width: number, height: number): void {
    const dpr = globalThis.devicePixelRatio || 1;
    this.#width = width;
    this.#height = height;
    for (const c of [this.#canvas, this.#overlay]) {
      c.width = Math.round(width * dpr);
      c.style.width = `${width}px`;
      c.height = Math.round(height * dpr);
      c.style.height = `${height}px`;
    }
    this.#schedule();
  }

  /** Positions in [-1, 1] (x, y interleaved) and colours (r, g, b bytes interleaved). */
  setPoints(xy: Float32Array, colors: Uint8Array): void {
    const gl = this.#gl;
    const n = xy.length / 2;
    if (colors.length !== n * 3) throw new Error('one colour (r, g, b) per point');
    this.#xy = xy;
    this.#rgba = new Uint8Array(n * 4);
    this.#anySelected = false;
    this.#packColors(colors);
    this.#firstDrawOfPoints = true;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, this.#rgba, gl.DYNAMIC_DRAW);
    this.#schedule();
  }

  /** New colours for the same points: only the colour buffer is uploaded again. */
  setColors(colors: Uint8Array): void {
    if (colors.length !== (this.#xy.length / 2) * 3) throw new Error('one colour (r, g, b) per point');
    this.#packColors(colors);
    this.#uploadColors();
  }

  /**
   * New colours for some points (`colors` holds every point's; those at `indices` changed): only they are copied, and only the span from the first to the last uploaded.
   */
  setColorsAt(colors: Uint8Array, indices: readonly number[]): void {
    const rgba = this.#rgba;
    if (colors.length !== (this.#xy.length / 2) * 3) throw new Error('one colour (r, g, b) per point');
    let first = Infinity;
    let last = -1;
    for (const i of indices) {
      if (i < 0 || i * 4 >= rgba.length) continue;
      rgba[i * 4] = colors[i * 3]!;
      rgba[i * 4 + 1] = colors[i * 3 + 1]!;
      rgba[i * 4 + 2] = colors[i * 3 + 2]!;
      if (i < first) first = i;
      if (i > last) last = i;
    }
    if (last < 0) return;
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferSubData(gl.ARRAY_BUFFER, first * 4, rgba.subarray(first * 4, (last + 1) * 4));
    this.#schedule();
  }

  setSelected(indices: readonly number[]): void {
    const rgba = this.#rgba;
    for (let a = 3; a < rgba.length; a += 4) rgba[a] = 0;
    for (const i of indices) if (i * 4 < rgba.length) rgba[i * 4 + 3] = 255;
    this.#anySelected = indices.length > 0;
    this.#uploadColors();
  }

  /** Whether a picture is still to be drawn or completed (it may take a few frames). */
  get drawing(): boolean {
    return this.#progress >= 0;
  }

  /** Where point `i` is drawn, in CSS pixels from the canvas's top left. */
  screenPosition(i: number): [number, number] {
    return this.#toScreen(this.#xy[i * 2]!, this.#xy[i * 2 + 1]!);
  }

  destroy(): void {
    for (const off of this.#off) off();
    cancelAnimationFrame(this.#frame);
    clearTimeout(this.#settle);
  }

  #packColors(rgb: Uint8Array): void {
    const rgba = this.#rgba;
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
      rgba[i] = rgb[j]!;
      rgba[i + 1] = rgb[j + 1]!;
      rgba[i + 2] = rgb[j + 2]!;
    }
  }

  #uploadColors(): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, this.#rgba);
    this.#schedule();
  }

  /**
   * One point drawn (and cleared) as soon as the map opens: a software GPU compiles its shaders
   * at the first draw, and that second or so is better spent before the data arrives than after.
   */
  #warmUp(): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0]), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, new Uint8Array(4), gl.DYNAMIC_DRAW);
    this.#picture.bind(1, 1, true);
    for (const round of [0, 1]) {
      gl.uniform1f(this.#uniforms.round, round);
      gl.drawArrays(gl.POINTS, 0, 1);
    }
    this.#picture.show();
    this.#usePoints();
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  /** The points' program and attributes (the picture's copy uses slot 0 for its own). */
  #usePoints(): void {
    const gl = this.#gl;
    gl.useProgram(this.#program);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.pos);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribPointer(1, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  }

  #scale(): [number, number] {
    const side = Math.min(this.#width, this.#height);
    return [(this.#zoom * side) / this.#width, (this.#zoom * side) / this.#height];
  }

  #view(): PlotView {
    return { center: this.#center, zoom: this.#zoom };
  }

  #toScreen(x: number, y: number): [number, number] {
    return toScreen(this.#view(), { width: this.#width, height: this.#height }, x, y);
  }

  #toData(px: number, py: number): [number, number] {
    return toData(this.#view(), { width: this.#width, height: this.#height }, px, py);
  }

  /** A new picture is needed: drawn on the next frame (a picture under way starts again). */
  #schedule(): void {
    this.#progress = 0;
    this.#requestFrame();
  }

  #requestFrame(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
      if (this.#progress > 0) this.#requestFrame();
    });
  }

  /**
   * While a pan or zoom is under way the last picture is moved and scaled on the page (the
   * compositor's work, no redraw of the points); the points are drawn again once the gesture
   * settles. Redrawing 100 000 points per mouse move cost up to a second a frame on a software GPU.
   */
  #preview(settleAfterMs: number | null): void {
    const { tx, ty, scale } = previewTransform(this.#drawnView, this.#view(), {
      width: this.#width,
      height: this.#height,
    });
    this.#canvas.style.transformOrigin = '0 0';
    this.#canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
    // A picture being drawn for the view before this gesture is out of date.
    this.#progress = -1;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    clearTimeout(this.#settle);
    this.#settle = settleAfterMs === null ? undefined : setTimeout(() => this.#schedule(), settleAfterMs);
  }

  #draw(): void {
    if (this.#progress < 0) return;
    const gl = this.#gl;
    const n = this.#xy.length / 2;
    const start = this.#progress;
    if (start === 0) this.#pictureView = { center: [...this.#center], zoom: this.#zoom };
    // A small set, and the first picture of new points, in one frame straight onto the canvas.
    const direct = start === 0 && (n <= POINTS_PER_FRAME || this.#firstDrawOfPoints);
    if (direct) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, this.#canvas.width, this.#canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
    } else this.#picture.bind(this.#canvas.width, this.#canvas.height, start === 0);
    const end = direct ? n : Math.min(n, start + POINTS_PER_FRAME);
    this.#drawPoints(start, end);
    if (end < n) {
      this.#progress = end;
      return;
    }
    this.#progress = -1;
    if (!direct) {
      this.#picture.show();
      this.#usePoints();
    }
    this.#drawnView = this.#pictureView;
    this.#canvas.style.transform = '';
    if (this.#firstDrawOfPoints) {
      this.#firstDrawOfPoints = false;
      // Read by the map benchmark (time from the data's arrival to the first picture of it).
      performance.mark('map:points-drawn', { detail: { points: n } });
    }
  }

  #drawPoints(start: number, end: number): void {
    const gl = this.#gl;
    // Blending only when the unselected points are dimmed; opaque points need none.
    if (this.#anySelected) {
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    } else gl.disable(gl.BLEND);
    const view = this.#pictureView;
    const side = Math.min(this.#width, this.#height);
    const n = this.#xy.length / 2;
    const dpr = globalThis.devicePixelRatio || 1;
    const size = (n > 20_000 ? 3 : n > 2_000 ? 5 : 9) * Math.min(4, Math.sqrt(view.zoom)) * dpr;
    gl.uniform2f(this.#uniforms.scale, (view.zoom * side) / this.#width, (view.zoom * side) / this.#height);
    gl.uniform2f(this.#uniforms.center, view.center[0], view.center[1]);
    gl.uniform1f(this.#uniforms.size, size);
    gl.uniform1f(this.#uniforms.round, size > 3.5 ? 1 : 0);
    gl.uniform1f(this.#uniforms.anySelected, this.#anySelected ? 1 : 0);
    gl.drawArrays(gl.POINTS, start, end - start);
  }

  #local(e: MouseEvent): [number, number] {
    const r = this.#overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  #down(e: MouseEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    const [x, y] = this.#local(e);
    this.#drag = { x, y, moved: false, path: [[x, y]], center: [...this.#center] };
  }

  #move(e: MouseEvent): void {
    const [x, y] = this.#local(e);
    const d = this.#drag;
    if (!d) {
      if (x >= 0 && y >= 0 && x <= this.#width && y <= this.#height)
        this.#events.onHover(this.#nearest(x, y));
      return;
    }
    if (Math.hypot(x - d.x, y - d.y) > 4) d.moved = true;
    if (this.#mode === 'panZoom') {
      const [sx, sy] = this.#scale();
      this.#center = [
        d.center[0] - ((x - d.x) / this.#width) * (2 / sx),
        d.center[1] + ((y - d.y) / this.#height) * (2 / sy),
      ];
      this.#preview(null);
    } else {
      d.path.push([x, y]);
      this.#drawLasso(d.path);
    }
  }

  #up(e: MouseEvent): void {
    const d = this.#drag;
    if (!d) return;
    this.#drag = null;
    this.#drawLasso([]);
    // A pan drawn as a moved picture is drawn properly once the mouse is let go.
    if (this.#canvas.style.transform) this.#schedule();
    const [x, y] = this.#local(e);
    if (!d.moved) {
      const hit = this.#nearest(x, y);
      if (hit !== null) this.#events.onClick(hit);
      return;
    }
    if (this.#mode === 'lasso' && d.path.length > 2) this.#events.onLasso(this.#inside(d.path));
  }

  #wheel(e: WheelEvent): void {
    e.preventDefault();
    const [x, y] = this.#local(e);
    const before = this.#toData(x, y);
    this.#zoom = Math.min(200, Math.max(0.5, this.#zoom * Math.exp(-e.deltaY * 0.0015)));
    const after = this.#toData(x, y);
    // Zoom about the cursor: the data point under it stays under it.
    this.#center = [this.#center[0] + before[0] - after[0], this.#center[1] + before[1] - after[1]];
    this.#preview(this.#drag ? null : SETTLE_MS);
  }

  #nearest(x: number, y: number, radius = 8): number | null {
    let best: number | null = null;
    let bestD = radius * radius;
    const n = this.#xy.length / 2;
    // The screen transform written out: this runs on every mouse move over 100 000 points,
    // and a pair allocated per point would keep the garbage collector busy.
    const [sx, sy] = this.#scale();
    const [cx, cy] = this.#center;
    const kx = (sx * this.#width) / 2;
    const ky = (sy * this.#height) / 2;
    const ox = this.#width / 2;
    const oy = this.#height / 2;
    for (let i = 0; i < n; i++) {
      const px = (this.#xy[i * 2]! - cx) * kx + ox;
      const py = oy - (this.#xy[i * 2 + 1]! - cy) * ky;
      const dd = (px - x) ** 2 + (py - y) ** 2;
      if (dd <= bestD) {
        bestD = dd;
        best = i;
      }
    }
    return best;
  }

  /** Indices of the points inside a screen-space polygon (even-odd rule). */
  #inside(path: [number, number][]): number[] {
    return pointsInPolygon(
      this.#xy,
      path.map(([x, y]) => this.#toData(x, y)),
    );
  }

  #drawLasso(path: [number, number][]): void {
    const ctx = this.#overlay.getContext('2d');
    if (!ctx) return;
    const dpr = globalThis.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.#width, this.#height);
    if (path.length < 2) return;
    ctx.beginPath();
    ctx.moveTo(path[0]![0], path[0]![1]);
    for (const [x, y] of path.slice(1)) ctx.lineTo(x, y);
    ctx.closePath();
    ctx.fillStyle = 'rgba(58, 111, 247, 0.12)';
    ctx.strokeStyle = 'rgba(58, 111, 247, 0.9)';
    ctx.lineWidth = 2;
    ctx.fill();
    ctx.stroke();
  }
}
