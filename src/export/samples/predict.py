#!/usr/bin/env python3
"""Classify images with the exported ONNX model; prints the top 3 classes per image as JSON lines.

Usage:  python3 samples/predict.py photo1.jpg [photo2.png ...]
Needs:  pip install onnxruntime pillow numpy

Images are prepared by the rule in metadata.json (EXIF rotation, transparency on white, resize
with Lanczos, centre crop). Pillow's Lanczos filter is not byte-identical to the one Incept
uses (libvips), so probabilities can differ slightly from the app's.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
META = json.loads((ROOT / "metadata.json").read_text(encoding="utf-8"))
SIZE = META["input"]["size"][0]


def prepare(path):
    img = ImageOps.exif_transpose(Image.open(path))
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    img = img.convert("RGB")
    if META["resize"]["cropMode"] == "squash":
        img = img.resize((SIZE, SIZE), Image.LANCZOS)
    else:
        w, h = img.size
        scale = SIZE / min(w, h)
        nw, nh = max(SIZE, round(w * scale)), max(SIZE, round(h * scale))
        img = img.resize((nw, nh), Image.LANCZOS)
        left, top = (nw - SIZE) // 2, (nh - SIZE) // 2
        img = img.crop((left, top, left + SIZE, top + SIZE))
    x = np.asarray(img, dtype=np.float32)  # [H, W, 3], RGB, 0..255
    if META["input"]["preprocessing"]["inGraph"]:
        return x
    # The bare network: per RGB channel pixel * multiply - subtract, BGR if the model wants it,
    # channels first.
    pre = META["input"]["preprocessing"]
    x = x * np.asarray(pre["multiplyRGB"], dtype=np.float32) - np.asarray(pre["subtractRGB"], dtype=np.float32)
    if pre["channelOrder"] == "BGR":
        x = x[..., ::-1]
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def main(paths):
    if not paths:
        print("Usage: python3 samples/predict.py IMAGE [IMAGE ...]", file=sys.stderr)
        return 2
    onnx = META["formats"]["onnx"]
    session = ort.InferenceSession(str(ROOT / onnx["path"]), providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    failed = 0
    for path in paths:
        try:
            probs = session.run(None, {input_name: prepare(path)[None]})[0][0]
            order = np.argsort(-probs)[:3]
            top = [{"label": META["labels"][i], "probability": float(probs[i])} for i in order]
            print(json.dumps({"image": path, "top": top}))
        except Exception as err:  # one bad image should not stop the rest
            failed += 1
            print(json.dumps({"image": path, "error": str(err)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
