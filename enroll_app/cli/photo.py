"""`enroll-station photo check | crop | compare`: the face pipeline on photo files.

Exit codes: 0 success (the photo passes; the crop was written; the comparison ran), 3 a
quality check failed or there is no usable face, 2 errors (unreadable image, missing models,
bad arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from enroll_app.face.engine import FaceEngine
    from enroll_app.face.types import Image

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_REJECTED = 3


def register(subparsers: Any) -> None:
    """Add the `photo` command and its three subcommands."""
    parser = subparsers.add_parser("photo", help="check, crop and compare face photos")
    sub = parser.add_subparsers(dest="photo_command", metavar="ACTION", required=True)

    check = sub.add_parser("check", help="run the enrollment quality checks on a photo")
    check.add_argument("image", help="JPEG, PNG or BMP file")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_common(check)
    check.set_defaults(func=check_command)

    crop = sub.add_parser("crop", help="make the 640x480 enrollment photo of the largest face")
    crop.add_argument("image", help="JPEG, PNG or BMP file")
    crop.add_argument("-o", "--output", required=True, help="where to write the JPEG")
    crop.add_argument(
        "--max-bytes", type=int, default=None, help="JPEG size budget (default 200 KB)"
    )
    crop.add_argument(
        "--strict", action="store_true", help="write nothing (exit 3) unless every check passes"
    )
    _add_common(crop)
    crop.set_defaults(func=crop_command)

    compare = sub.add_parser("compare", help="similarity of the largest faces of two photos")
    compare.add_argument("image_a", help="first photo")
    compare.add_argument("image_b", help="second photo")
    compare.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_common(compare)
    compare.set_defaults(func=compare_command)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pack", default="buffalo_s", help="model pack (default buffalo_s)")
    parser.add_argument(
        "--lang", default="en", choices=("en", "zh_CN"), help="language of the messages"
    )


def check_command(args: argparse.Namespace) -> int:
    """Print the quality report; 0 if every check passes, 3 if one fails, 2 on errors."""
    from enroll_app.face.quality import check_photo
    from enroll_app.face.types import FaceError

    try:
        engine = _load_engine(args.pack)
        report = check_photo(engine, _read(args.image))
    except FaceError as exc:
        return _fail(args, str(exc))
    if args.json:
        out = {**report.to_dict(args.lang), "model": engine.pack_name, "image": args.image}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            mark = "ok  " if check.passed else "FAIL"
            print(f"{mark} {check.code:<24} {check.message(args.lang)}")
        print(f"{'PASS' if report.ok else 'REJECTED'} (score {report.score:.0f}/100)")
    return EXIT_OK if report.ok else EXIT_REJECTED


def crop_command(args: argparse.Namespace) -> int:
    """Write the enrollment photo of the largest face; 3 if there is none (or, with --strict,
    if a check fails); 2 on errors."""
    from enroll_app.face.crop import DEFAULT_MAX_BYTES, make_enrollment_photo
    from enroll_app.face.quality import check_photo
    from enroll_app.face.types import FaceError

    max_bytes = DEFAULT_MAX_BYTES if args.max_bytes is None else args.max_bytes
    if max_bytes <= 0:
        return _fail(args, "--max-bytes must be positive")
    try:
        engine = _load_engine(args.pack)
        image = _read(args.image)
        report = check_photo(engine, image)
        if report.face is None:
            return _reject(f"{args.image}: {report.checks[0].message(args.lang)}")
        if args.strict and not report.ok:
            reasons = "; ".join(c.message(args.lang) for c in report.failed)
            return _reject(f"{args.image}: not cropped: {reasons}")
        photo = make_enrollment_photo(image, report.face, max_bytes)
    except FaceError as exc:
        return _fail(args, str(exc))
    try:
        Path(args.output).write_bytes(photo.jpeg)
    except OSError as exc:
        return _fail(args, f"Cannot write {args.output}: {exc.strerror or exc}")
    for check in report.failed:
        print(f"warning: {check.message(args.lang)}", file=sys.stderr)
    print(
        f"{args.output}: 640x480, {len(photo.jpeg) // 1024} KB, JPEG quality {photo.jpeg_quality}"
    )
    return EXIT_OK


def compare_command(args: argparse.Namespace) -> int:
    """Cosine similarity of the two largest faces against the pack's duplicate threshold."""
    from enroll_app.face.gallery import cosine, thresholds_for
    from enroll_app.face.types import FaceError

    try:
        engine = _load_engine(args.pack)
        thresholds = thresholds_for(engine.pack_name)
        embeddings = [_largest_embedding(engine, path) for path in (args.image_a, args.image_b)]
    except FaceError as exc:
        return _fail(args, str(exc))
    missing = [
        p for p, e in zip((args.image_a, args.image_b), embeddings, strict=True) if e is None
    ]
    if missing:
        return _reject(f"No face found in {', '.join(missing)}", args.json)
    similarity = cosine(embeddings[0], embeddings[1])
    result = {
        "similarity": round(similarity, 4),
        "same_person": similarity >= thresholds.duplicate,
        "threshold": thresholds.duplicate,
        "review_threshold": thresholds.review,
        "verdict": thresholds.classify(similarity),
        "model": engine.pack_name,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        same = "same person" if result["same_person"] else "different people"
        print(
            f"similarity {similarity:.3f}: {same} "
            f"(threshold {thresholds.duplicate:.2f}, {engine.pack_name})"
        )
    return EXIT_OK


def _largest_embedding(engine: FaceEngine, path: str) -> Any:
    faces = engine.analyse(_read(path), landmarks=False, embedding=True)
    return faces[0].embedding if faces else None


def _load_engine(pack: str) -> FaceEngine:
    from enroll_app.face.engine import FaceEngine

    return FaceEngine.load(pack, warm_up_sizes=())


def _read(path: str) -> Image:
    from enroll_app.face.types import read_image

    return read_image(path)


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    print(f"enroll-station: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _reject(message: str, as_json: bool = False) -> int:
    if as_json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    print(f"enroll-station: {message}", file=sys.stderr)
    return EXIT_REJECTED
