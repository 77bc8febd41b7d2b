"""What the face pipeline hands around: detected faces, its error tree, image decoding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Image = npt.NDArray[np.uint8]  # BGR, HxWx3, as OpenCV decodes it

# Images larger than this are refused before decoding: a 40 MP photo is an operator mistake,
# and decoding it would stall a worker for seconds and take hundreds of MB.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_BYTES = 50 * 1024 * 1024


class FaceError(Exception):
    """Base of every error the face pipeline raises; `str()` is operator text."""


class ImageError(FaceError):
    """An image is empty, corrupt, not an image, or too large."""


class ModelPackError(FaceError):
    """A model pack is missing, incomplete, or a file's checksum does not match."""


@dataclass(frozen=True)
class DetectedFace:
    """One face in a source image, in source pixel coordinates.

    `kps` are the detector's five points in insightface order: left eye, right eye, nose,
    left mouth corner, right mouth corner (left/right as seen in the image).
    `landmarks` (106x2) and `embedding` (512, L2-normalised) are filled only when asked for.
    """

    bbox: FloatArray  # (4,) x1, y1, x2, y2
    score: float
    kps: FloatArray  # (5, 2)
    landmarks: FloatArray | None = None  # (106, 2)
    embedding: FloatArray | None = None  # (512,)

    @property
    def width(self) -> float:
        return float(self.bbox[2] - self.bbox[0])

    @property
    def height(self) -> float:
        return float(self.bbox[3] - self.bbox[1])

    @property
    def area(self) -> float:
        return max(self.width, 0.0) * max(self.height, 0.0)

    @property
    def inter_eye_distance(self) -> float:
        """Distance between the eye centres in source pixels (ISO/IEC 29794-5 'IED')."""
        return float(np.linalg.norm(self.kps[1] - self.kps[0]))


def decode_image(data: bytes) -> Image:
    """Decode JPEG/PNG/BMP bytes to a BGR image, or raise `ImageError` saying why not."""
    import cv2

    if not data:
        raise ImageError("The image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"The image file is too large ({len(data) // 1024 // 1024} MB)")
    buf = np.frombuffer(data, dtype=np.uint8)
    header = cv2.imdecode(buf, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None:
        raise ImageError("The file is not an image this station can read (JPEG, PNG or BMP)")
    if header.shape[0] * header.shape[1] * 64 > MAX_IMAGE_PIXELS:
        raise ImageError("The image is too large: use a photo under 40 megapixels")
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ImageError("The image is corrupt and could not be decoded")
    return np.ascontiguousarray(image, dtype=np.uint8)


def read_image(path: str) -> Image:
    """Read an image file through `decode_image`; a missing file is an `ImageError` too."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ImageError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return decode_image(data)
