"""Operator messages and preview hints of the quality checks, in Simplified Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

# Hints speak to the person in front of the camera. Left/right are the person's own, for a
# camera that delivers unmirrored frames (what webcams and the terminals do).
_HINTS: dict[str, tuple[str, str]] = {
    "face_count:none": ("Step in front of the camera", "请站到摄像头前"),
    "face_count:many": ("Only one person in front of the camera", "镜头前只能有一个人"),
    "face_size": ("Move closer", "请靠近一点"),
    "inside_frame": ("Move to the middle of the picture", "请移到画面中间"),
    "pose_yaw:plus": ("Turn your head a little to your right", "请把头稍向右转"),
    "pose_yaw:minus": ("Turn your head a little to your left", "请把头稍向左转"),
    "pose_pitch:plus": ("Lower your chin a little", "请稍微低头"),
    "pose_pitch:minus": ("Raise your chin a little", "请稍微抬头"),
    "pose_roll": ("Hold your head upright", "请把头摆正"),
    "eyes_open": ("Open your eyes", "请睁开眼睛"),
    "brightness:dark": ("More light", "光线太暗，请增加照明"),
    "brightness:bright": ("Less light", "光线太强，请减弱照明"),
    "illumination_uniformity": ("Light the face evenly", "请让脸部光线均匀"),
    "contrast": ("More light on the face", "请改善脸部照明"),
    "sharpness": ("Hold still", "请保持不动"),
    "detection_confidence": ("Face the camera, uncovered", "请正对摄像头，不要遮挡面部"),
}


@dataclass(frozen=True)
class Text:
    """A check's operator message and (for failures) preview hint in both languages."""

    en: str
    zh: str
    hint_en: str | None = None
    hint_zh: str | None = None

    def message(self, lang: str) -> str:
        """The message in `lang`: zh_CN for any "zh" language tag, else English."""
        return self.zh if is_chinese(lang) else self.en

    def hint_in(self, lang: str) -> str | None:
        """The hint in `lang`, if there is one."""
        return self.hint_zh if is_chinese(lang) else self.hint_en


def is_chinese(lang: str) -> bool:
    """True for zh, zh_CN, zh-Hans and the like."""
    return lang.lower().replace("-", "_").startswith("zh")


def check_text(
    code: str,
    value: float,
    threshold: float,
    passed: bool,
    *,
    variant: str = "",
    extra: float = 0.0,
) -> Text:
    """Message and hint for one check outcome; `variant` picks a direction or case."""
    en, zh = _MESSAGES[code](value, threshold, passed, variant, extra)
    if passed:
        return Text(en, zh)
    hint_en, hint_zh = _HINTS.get(f"{code}:{variant}") or _HINTS[code]
    return Text(en, zh, hint_en, hint_zh)


def _face_count(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return "One face found", "检测到一张人脸"
    if v == 0:
        return "No face found", "未检测到人脸"
    return (
        f"{v:.0f} faces found: only the person being enrolled may be in the picture",
        f"检测到 {v:.0f} 张人脸：画面中只能有被登记的人",
    )


def _face_size(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if not ok:
        return (
            f"Face too small: {v:.0f} px between the eyes, at least {t:.0f} needed",
            f"人脸太小：两眼间距 {v:.0f} 像素，至少需要 {t:.0f} 像素",
        )
    if variant == "small":
        return (
            f"Face is small: {v:.0f} px between the eyes ({extra:.0f} or more is better)",
            f"人脸偏小：两眼间距 {v:.0f} 像素（建议 {extra:.0f} 像素以上）",
        )
    return f"Face size good: {v:.0f} px between the eyes", f"人脸大小合适：两眼间距 {v:.0f} 像素"


def _inside_frame(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return "Face fully inside the picture", "人脸完整在画面内"
    return "Face is cut off by the edge of the picture", "人脸被画面边缘截断"


def _yaw(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return (
            f"Head faces the camera (turned {abs(v):.0f}°)",
            f"头部正对摄像头（侧转 {abs(v):.0f}°）",
        )
    return (
        f"Head turned {abs(v):.0f}° to the side (at most {t:.0f}°)",
        f"头部侧转 {abs(v):.0f}°（最多 {t:.0f}°）",
    )


def _pitch(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    en_dir, zh_dir = ("raised", "抬起") if v >= 0 else ("lowered", "低下")
    if ok:
        return f"Head level (chin {en_dir} {abs(v):.0f}°)", f"头部端正（{zh_dir} {abs(v):.0f}°）"
    return (
        f"Chin {en_dir} {abs(v):.0f}° (at most {t:.0f}°)",
        f"头部{zh_dir} {abs(v):.0f}°（最多 {t:.0f}°）",
    )


def _roll(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return (
            f"Head upright enough (leaning {abs(v):.0f}°; the photo levels the eyes)",
            f"头部基本端正（倾斜 {abs(v):.0f}°，裁剪时自动校正）",
        )
    return (
        f"Head leaning {abs(v):.0f}° (at most {t:.0f}°)",
        f"头部倾斜 {abs(v):.0f}°（最多 {t:.0f}°）",
    )


def _eyes(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return f"Eyes open ({v:.2f})", f"眼睛睁开（{v:.2f}）"
    return (
        f"Eyes closed or nearly closed (openness {v:.2f}, at least {t:.2f})",
        f"眼睛闭合或半闭（睁眼程度 {v:.2f}，至少 {t:.2f}）",
    )


def _brightness(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if variant == "dark":
        return (
            f"Too dark: face brightness {v:.0f} of 255, at least {t:.0f}",
            f"太暗：脸部亮度 {v:.0f}/255，至少 {t:.0f}",
        )
    if variant == "bright":
        return (
            f"Too bright: face brightness {v:.0f} of 255, at most {extra:.0f}",
            f"太亮：脸部亮度 {v:.0f}/255，最多 {extra:.0f}",
        )
    return f"Exposure good: face brightness {v:.0f} of 255", f"亮度合适：脸部亮度 {v:.0f}/255"


def _uniformity(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return f"Even lighting ({v:.2f})", f"光照均匀（{v:.2f}）"
    return (
        f"Uneven lighting: one side of the face is much darker ({v:.2f}, at least {t:.2f})",
        f"光照不均：脸的一侧明显偏暗（{v:.2f}，至少 {t:.2f}）",
    )


def _contrast(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return f"Contrast good ({v:.2f})", f"对比度合适（{v:.2f}）"
    return (
        f"Low contrast: the face looks flat or hazy ({v:.2f}, at least {t:.2f})",
        f"对比度太低：脸部发灰（{v:.2f}，至少 {t:.2f}）",
    )


def _sharpness(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return f"Sharp ({v:.2f})", f"图像清晰（{v:.2f}）"
    return (
        f"Blurred: the person moved or the camera is out of focus ({v:.2f}, at least {t:.2f})",
        f"图像模糊：人在移动或摄像头没有对焦（{v:.2f}，至少 {t:.2f}）",
    )


def _confidence(v: float, t: float, ok: bool, variant: str, extra: float) -> tuple[str, str]:
    if ok:
        return f"Face clearly visible ({v:.2f})", f"人脸清晰可辨（{v:.2f}）"
    return (
        f"Face hard to make out, perhaps covered ({v:.2f}, at least {t:.2f})",
        f"人脸不易辨认，可能有遮挡（{v:.2f}，至少 {t:.2f}）",
    )


_MESSAGES = {
    "face_count": _face_count,
    "face_size": _face_size,
    "inside_frame": _inside_frame,
    "pose_yaw": _yaw,
    "pose_pitch": _pitch,
    "pose_roll": _roll,
    "eyes_open": _eyes,
    "brightness": _brightness,
    "illumination_uniformity": _uniformity,
    "contrast": _contrast,
    "sharpness": _sharpness,
    "detection_confidence": _confidence,
}
