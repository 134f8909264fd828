"""The naive keyword baseline (kept only to measure the other backends against).

This is the approach the blog found wanting: the first subject whose keyword list matches a
word of the prompt wins, in code order; styles and cameras likewise, falling back to the
defaults T1 / C1. It knows nothing of which noun is the *primary* subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from diffcurate.classify.base import Backend, Prediction, Progress
from diffcurate.taxonomy import Axis

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
KEYWORDS: dict[Axis, dict[str, list[str]]] = {
    Axis.SUBJECT: {
        "S1": ["person", "people", "man", "woman", "men", "women", "girl", "boy", "child", "portrait", "face", "人", "女孩", "男孩", "女人", "男人"],
        "S2": ["dog", "cat", "bird", "horse", "animal", "lion", "tiger", "bear", "fish", "cow", "elephant", "猫", "狗", "鸟", "动物"],
        "S3": ["food", "dish", "cake", "coffee", "pizza", "fruit", "bread", "drink", "soup", "burger", "食物", "蛋糕", "咖啡"],
        "S4": ["room", "kitchen", "bedroom", "interior", "office", "library", "indoor", "房间", "室内"],
        "S5": ["mountain", "ocean", "sea", "beach", "sky", "forest", "desert", "lake", "landscape", "river", "山", "海", "风景"],
        "S6": ["building", "city", "street", "skyline", "bridge", "town", "architecture", "house", "建筑", "城市", "街道"],
        "S7": ["car", "train", "airplane", "plane", "boat", "ship", "bicycle", "bike", "motorcycle", "bus", "truck", "车", "飞机", "船"],
        "S8": ["flower", "tree", "plant", "garden", "leaf", "rose", "mushroom", "花", "树", "植物"],
        "S9": ["dress", "shirt", "shoes", "hat", "jacket", "bag", "jewelry", "fashion", "衣服", "裙子", "鞋"],
        "S10": ["cup", "chair", "table", "book", "clock", "toy", "bottle", "lamp", "phone", "vase", "杯子", "椅子", "桌子"],
        "S11": ["text", "sign", "poster", "logo", "written", "says", "reads", "label", "title", "文字", "海报", "标志"],
        "S12": ["eiffel", "pyramid", "statue of liberty", "taj mahal", "flag", "map", "landmark", "historical", "长城", "地图"],
        "S13": ["chinese", "hanfu", "pagoda", "calligraphy", "lantern", "dragon", "中国", "汉服", "书法", "灯笼", "春节"],
        "S14": ["abstract", "surreal", "fantasy", "alien", "magical", "dream", "sci-fi", "pattern", "抽象", "奇幻", "科幻"],
    },
    Axis.STYLE: {
        "T2": ["painting", "watercolor", "watercolour", "oil", "sketch", "pencil", "charcoal", "ink", "油画", "水彩", "素描", "水墨"],
        "T3": ["illustration", "anime", "cartoon", "comic", "pixel", "vector", "concept art", "动漫", "插画", "卡通"],
        "T4": ["3d", "render", "cgi", "octane", "unreal", "low poly", "voxel", "clay", "渲染"],
        "T5": ["cinematic", "film", "movie", "noir", "anamorphic", "电影"],
        "T6": ["poster", "logo", "infographic", "layout", "ui", "typography", "海报", "标志"],
        "T7": ["collage", "glitch", "double exposure", "surreal", "dreamy", "ethereal", "vaporwave", "梦幻"],
    },
    Axis.CAMERA: {
        "C2": ["close-up", "closeup", "macro", "detail", "特写", "微距"],
        "C3": ["wide angle", "wide-angle", "panorama", "panoramic", "fisheye", "vista", "广角", "全景"],
        "C4": ["aerial", "drone", "overhead", "top-down", "bird's eye", "flat lay", "航拍", "俯视"],
        "C5": ["low angle", "low-angle", "looking up", "worm's eye", "仰视", "仰拍"],
        "C6": ["bokeh", "depth of field", "blurred background", "shallow focus", "景深", "虚化"],
        "C7": ["long exposure", "motion blur", "light trails", "长曝光", "动态模糊"],
        "C8": ["dramatic lighting", "rim light", "chiaroscuro", "volumetric", "戏剧性", "逆光"],
    },
}
# fmt: on

_FALLBACK = {Axis.SUBJECT: "S10", Axis.STYLE: "T1", Axis.CAMERA: "C1"}


def _compile(words: list[str]) -> re.Pattern:
    # Latin keywords match whole words; CJK keywords match anywhere (no word boundaries in Chinese).
    parts = [re.escape(w) if re.search(r"[\u4e00-\u9fff]", w) else rf"\b{re.escape(w)}s?\b" for w in words]
    return re.compile("|".join(parts), re.IGNORECASE)


# Compiled once: (code, pattern) per axis, in code order.
PATTERNS: dict[Axis, list[tuple[str, re.Pattern]]] = {
    axis: [(code, _compile(words)) for code, words in table.items()] for axis, table in KEYWORDS.items()
}


class KeywordClassifier:
    backend = Backend.KEYWORD

    def _match(self, axis: Axis, text: str) -> tuple[str, float]:
        for code, pattern in PATTERNS[axis]:
            if pattern.search(text):
                return code, 1.0
        return _FALLBACK[axis], 0.0

    def classify(
        self, texts: Sequence[str], languages: Sequence[str] | None = None, progress: Progress | None = None
    ) -> list[Prediction]:
        out = []
        for text in texts:
            (s, sc), (t, tc), (c, cc) = (self._match(axis, text) for axis in (Axis.SUBJECT, Axis.STYLE, Axis.CAMERA))
            out.append(Prediction(s, t, c, sc, tc, cc))
        if progress is not None and texts:
            progress(len(texts))
        return out
