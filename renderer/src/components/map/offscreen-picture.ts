/**
 * A picture the size of the canvas, drawn into over several frames and then copied onto the
 * canvas with one textured square. While it is being drawn the canvas keeps showing the last
 * picture: a WebGL canvas is presented again only when something is drawn into it.
 */
const VERTEX = `
attribute vec2 a_corner;
varying vec2 v_uv;
void main() {
  v_uv = (a_corner + 1.0) * 0.5;
  gl_Position = vec4(a_corner, 0.0, 1.0);
}`;

const FRAGMENT = `
precision mediump float;
uniform sampler2D u_picture;
varying vec2 v_uv;
void main() {
  gl_FragColor = texture2D(u_picture, v_uv);
}`;

export function compileProgram(
  gl: WebGLRenderingContext,
  vertex: string,
  fragment: string,
  attributes: readonly string[],
): WebGLProgram {
  const program = gl.createProgram()!;
  for (const [type, source] of [
    [gl.VERTEX_SHADER, vertex],
    [gl.FRAGMENT_SHADER, fragment],
  ] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
      throw new Error(`shader: ${gl.getShaderInfoLog(shader) ?? 'did not compile'}`);
    gl.attachShader(program, shader);
  }
  // Fixed attribute slots, so two programs can share the context's attribute state knowingly.
  attributes.forEach((name, i) => gl.bindAttribLocation(program, i, name));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS))
    throw new Error(`program: ${gl.getProgramInfoLog(program) ?? 'did not link'}`);
  return program;
}

export class OffscreenPicture {
  readonly #gl: WebGLRenderingContext;
  readonly #program: WebGLProgram;
  readonly #corners: WebGLBuffer;
  readonly #framebuffer: WebGLFramebuffer;
  readonly #texture: WebGLTexture;
  #width = 0;
  #height = 0;

  constructor(gl: WebGLRenderingContext) {
    this.#gl = gl;
    this.#program = compileProgram(gl, VERTEX, FRAGMENT, ['a_corner']);
    this.#corners = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#corners);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    this.#texture = gl.createTexture()!;
    this.#framebuffer = gl.createFramebuffer()!;
  }

  /** Draw calls from now on go into the picture; `clear` starts a new one. */
  bind(width: number, height: number, clear: boolean): void {
    const gl = this.#gl;
    if (width !== this.#width || height !== this.#height) {
      this.#width = width;
      this.#height = height;
      gl.bindTexture(gl.TEXTURE_2D, this.#texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER])
        gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
      for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T])
        gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.#framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.#texture, 0);
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.#framebuffer);
    gl.viewport(0, 0, width, height);
    if (clear) {
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
    }
  }

  /**
   * Copies the picture onto the canvas. Leaves the blit program current and attribute 1
   * disabled: the caller sets its own program and attributes again before drawing.
   */
  show(): void {
    const gl = this.#gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, this.#width, this.#height);
    gl.disable(gl.BLEND);
    gl.useProgram(this.#program);
    gl.disableVertexAttribArray(1);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#corners);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.#texture);
    gl.uniform1i(gl.getUniformLocation(this.#program, 'u_picture'), 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}
