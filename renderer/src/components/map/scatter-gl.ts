/**
 * Points on the GPU with plain WebGL. Libraries built on regl generate their shaders' glue with
 * `new Function`, which the app's Content-Security-Policy (script-src 'self', no unsafe-eval)
 * forbids; this draws one buffer of points in one call, and does picking and the lasso on the
 * CPU (a pass over 100 000 points takes about a millisecond).
 */
import { pointInPolygon } from '../../../../src/map/polygon.ts';

export type MouseMode = 'lasso' | 'panZoom';

export interface ScatterEvents {
  onLasso(indices: number[]): void;
  onClick(index: number): void;
  onHover(index: number | null): void;
}

const VERTEX = `
attribute vec2 a_pos;
attribute vec3 a_color;
attribute float a_selected;
uniform vec2 u_scale;
uniform vec2 u_center;
uniform float u_size;
uniform float u_anySelected;
varying vec3 v_color;
varying float v_selected;
varying float v_dim;
void main() {
  gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
  gl_PointSize = a_selected > 0.5 ? u_size * 1.6 : u_size;
  v_color = a_color;
  v_selected = a_selected;
  v_dim = u_anySelected > 0.5 && a_selected < 0.5 ? 1.0 : 0.0;
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 v_color;
varying float v_selected;
varying float v_dim;
void main() {
  vec2 d = gl_PointCoord - vec2(0.5);
  float r = length(d);
  if (r > 0.5) discard;
  vec3 c = v_selected > 0.5 && r > 0.36 ? vec3(0.1, 0.1, 0.12) : v_color;
  gl_FragColor = vec4(c, v_dim > 0.5 ? 0.35 : 0.9);
}`;

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
    throw new Error(`shader: ${gl.getShaderInfoLog(shader) ?? 'did not compile'}`);
  return shader;
}

export class ScatterGL {
  readonly #canvas: HTMLCanvasElement;
  readonly #overlay: HTMLCanvasElement;
  readonly #gl: WebGLRenderingContext;
  readonly #program: WebGLProgram;
  readonly #buffers: { pos: WebGLBuffer; color: WebGLBuffer; selected: WebGLBuffer };
  readonly #events: ScatterEvents;
  #xy: Float32Array = new Float32Array(0);
  #selected = new Uint8Array(0);
  #anySelected = false;
  #center: [number, number] = [0, 0];
  #zoom = 1;
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
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false });
    if (!gl) throw new Error('WebGL is not available');
    this.#gl = gl;
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS))
      throw new Error(`program: ${gl.getProgramInfoLog(program) ?? 'did not link'}`);
    this.#program = program;
    this.#buffers = { pos: gl.createBuffer()!, color: gl.createBuffer()!, selected: gl.createBuffer()! };
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
      c.height = Math.round(height * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    this.#schedule();
  }

  /** Positions in [-1, 1] (x, y interleaved) and colours (r, g, b in 0…1 interleaved). */
  setPoints(xy: Float32Array, colors: Float32Array): void {
    const gl = this.#gl;
    if (xy.length !== this.#xy.length) this.#selected = new Uint8Array(xy.length / 2);
    this.#xy = xy;
    this.#firstDrawOfPoints = true;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.STATIC_DRAW);
    this.#uploadSelection();
  }

  /** New colours for the same points: only the colour buffer is uploaded again. */
  setColors(colors: Float32Array): void {
    if (colors.length !== (this.#xy.length / 2) * 3) throw new Error('one colour per point');
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.color);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, colors);
    this.#schedule();
  }

  setSelected(indices: readonly number[]): void {
    this.#selected.fill(0);
    for (const i of indices) if (i < this.#selected.length) this.#selected[i] = 1;
    this.#anySelected = indices.length > 0;
    this.#uploadSelection();
  }

  /** Where point `i` is drawn, in CSS pixels from the canvas's top left. */
  screenPosition(i: number): [number, number] {
    return this.#toScreen(this.#xy[i * 2]!, this.#xy[i * 2 + 1]!);
  }

  destroy(): void {
    for (const off of this.#off) off();
    cancelAnimationFrame(this.#frame);
  }

  #uploadSelection(): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#buffers.selected);
    gl.bufferData(gl.ARRAY_BUFFER, Float32Array.from(this.#selected), gl.DYNAMIC_DRAW);
    this.#schedule();
  }

  #scale(): [number, number] {
    const side = Math.min(this.#width, this.#height);
    return [(this.#zoom * side) / this.#width, (this.#zoom * side) / this.#height];
  }

  #toScreen(x: number, y: number): [number, number] {
    const [sx, sy] = this.#scale();
    const cx = (x - this.#center[0]) * sx;
    const cy = (y - this.#center[1]) * sy;
    return [((cx + 1) / 2) * this.#width, ((1 - cy) / 2) * this.#height];
  }

  #toData(px: number, py: number): [number, number] {
    const [sx, sy] = this.#scale();
    const cx = (px / this.#width) * 2 - 1;
    const cy = 1 - (py / this.#height) * 2;
    return [cx / sx + this.#center[0], cy / sy + this.#center[1]];
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  #draw(): void {
    const gl = this.#gl;
    gl.viewport(0, 0, this.#canvas.width, this.#canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.#program);
    const attr = (name: string, buffer: WebGLBuffer, size: number): void => {
      const loc = gl.getAttribLocation(this.#program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 0, 0);
    };
    attr('a_pos', this.#buffers.pos, 2);
    attr('a_color', this.#buffers.color, 3);
    attr('a_selected', this.#buffers.selected, 1);
    const [sx, sy] = this.#scale();
    gl.uniform2f(gl.getUniformLocation(this.#program, 'u_scale'), sx, sy);
    gl.uniform2f(gl.getUniformLocation(this.#program, 'u_center'), this.#center[0], this.#center[1]);
    const n = this.#xy.length / 2;
    const dpr = globalThis.devicePixelRatio || 1;
    const size = (n > 20_000 ? 3 : n > 2_000 ? 5 : 9) * Math.min(4, Math.sqrt(this.#zoom)) * dpr;
    gl.uniform1f(gl.getUniformLocation(this.#program, 'u_size'), size);
    gl.uniform1f(gl.getUniformLocation(this.#program, 'u_anySelected'), this.#anySelected ? 1 : 0);
    gl.drawArrays(gl.POINTS, 0, n);
    if (this.#firstDrawOfPoints) {
      this.#firstDrawOfPoints = false;
      // Read by the map benchmark (time from the data's arrival to the first picture of it).
      performance.mark('map:points-drawn', { detail: { points: n } });
    }
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
      this.#schedule();
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
    this.#schedule();
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
    const poly = path.map(([x, y]) => this.#toData(x, y));
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const [x, y] of poly) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const out: number[] = [];
    const n = this.#xy.length / 2;
    for (let i = 0; i < n; i++) {
      const px = this.#xy[i * 2]!;
      const py = this.#xy[i * 2 + 1]!;
      if (px < minX || px > maxX || py < minY || py > maxY) continue;
      if (pointInPolygon(px, py, poly)) out.push(i);
    }
    return out;
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
