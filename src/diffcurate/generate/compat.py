"""Which parts of a prompt may stand together: tags on phrases and a table of incompatible tag pairs.

A *tag* names one property a phrase gives the picture: a season or weather ("under fresh snow"),
a time of day, a mood, a medium ("an oil painting", "a photograph", "flat vector art"), an optical
effect only a lens makes ("soft bokeh", "85mm at f/1.4"), a minimal or a detail-heavy look. Most
tags are read off the words (`TAG_WORDS`, English and Chinese), so the same table checks any
prompt, whoever wrote it; a few are semantic and only given explicitly by the vocabularies (a
small tabletop object, a vast landscape, an indoor room).

`INCOMPATIBLE` is the one table of pairs that contradict each other (peonies in full bloom under
snow; soft bokeh in 16-bit pixel art; dew drops in a minimalist grid). The composer and the
expander draw only phrases whose tags make no such pair with what the prompt already says;
`contradictions(text)` finds the pairs in any prompt (the benchmark counts them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

from diffcurate.schemas import Language


class Tag(StrEnum):
    # Season and weather.
    WINTER = "winter"  # snow, frost, ice
    SUMMER = "summer"  # summer heat, the tropics
    SPRING = "spring"
    AUTUMN = "autumn"
    BLOOM = "bloom"  # flowers in bloom (plum blossom, a winter flower, is not)
    RAIN = "rain"  # rain falling now ("after the rain" is not)
    STORM = "storm"
    SUNNY = "sunny"  # sunshine, a clear blue sky
    OVERCAST = "overcast"
    # Time of day.
    MORNING = "morning"
    MIDDAY = "midday"
    EVENING = "evening"
    NIGHT = "night"
    DAY = "day"  # daylight (not necessarily sunny)
    # Mood and motion.
    CALM = "calm"
    BUSY = "busy"
    SPEED = "speed"  # moving fast, motion blur
    AT_REST = "at_rest"  # asleep, parked, docked
    NEW = "new"  # brand-new, pristine
    WORN = "worn"  # worn, battered, rusty
    # Medium and look.
    PHOTO = "photo"  # a photograph
    DRAWN = "drawn"  # painted or drawn by hand, illustrated
    RENDER = "render"  # 3D / CGI
    FLAT = "flat"  # flat vector, logo, infographic, sticker
    PIXEL = "pixel"  # pixel art
    POSTER = "poster"  # a printed poster
    MINIMAL = "minimal"  # minimalist, negative space, strict grid
    DETAIL = "detail"  # fine detail: dew drops, every strand, intricate
    MONO = "mono"  # black and white: noir, charcoal, ink wash
    PALETTE = "palette"  # a stated colourful palette
    # Optics and light.
    LENS = "lens"  # effects and gear only a camera has: bokeh, 85mm, f/1.4, macro lens, long exposure, DSLR
    BLUR = "blur"  # blurred background, depth of field, motion blur
    LIGHT_3D = "light_3d"  # modelled light: chiaroscuro, rim light, volumetric rays
    # Semantic tags, given by the vocabularies (never read off the words).
    INDOOR = "indoor"  # a room seen from inside
    SMALL = "small"  # a tabletop-sized object
    VAST = "vast"  # a landscape, skyline or monument
    OPEN_SKY = "open_sky"  # the sky overhead: stars, rainbows, a stormy sky
    AERIAL = "aerial"  # seen from an aircraft or drone
    PANORAMA = "panorama"  # a view reaching to the horizon
    MACRO = "macro"  # magnified: macro, extreme close-up


# (a, b, why): a prompt must not carry both tags.
# fmt: off
INCOMPATIBLE: tuple[tuple[Tag, Tag, str], ...] = (
    (Tag.WINTER, Tag.BLOOM, "flowers in bloom under snow and frost"),
    (Tag.WINTER, Tag.SUMMER, "snow and summer heat"),
    (Tag.AUTUMN, Tag.SPRING, "autumn and spring at once"),
    (Tag.RAIN, Tag.SUNNY, "rain falling in bright sunshine"),
    (Tag.STORM, Tag.SUNNY, "a storm under a clear sky"),
    (Tag.OVERCAST, Tag.SUNNY, "overcast and sunny"),
    (Tag.NIGHT, Tag.SUNNY, "sunshine at night"),
    (Tag.NIGHT, Tag.DAY, "daylight at night"),
    (Tag.NIGHT, Tag.MORNING, "night and morning"),
    (Tag.NIGHT, Tag.MIDDAY, "night and midday"),
    (Tag.MORNING, Tag.EVENING, "morning and evening"),
    (Tag.MORNING, Tag.MIDDAY, "morning and midday"),
    (Tag.MIDDAY, Tag.EVENING, "midday and evening"),
    (Tag.CALM, Tag.BUSY, "a calm, quiet mood in a busy crowd"),
    (Tag.CALM, Tag.STORM, "a calm mood in a storm"),
    (Tag.SPEED, Tag.AT_REST, "speed or motion blur on something asleep or parked"),
    (Tag.NEW, Tag.WORN, "brand new and worn at once"),
    (Tag.PHOTO, Tag.DRAWN, "a photograph that is a painting or drawing"),
    (Tag.PHOTO, Tag.RENDER, "a photograph that is a 3D render"),
    (Tag.DRAWN, Tag.RENDER, "a painting that is a 3D render"),
    (Tag.LENS, Tag.DRAWN, "camera optics (bokeh, lens, exposure) in a painting or drawing"),
    (Tag.LENS, Tag.FLAT, "camera optics in flat graphic design"),
    (Tag.LENS, Tag.PIXEL, "camera optics in pixel art"),
    (Tag.LENS, Tag.POSTER, "camera optics on a poster"),
    (Tag.BLUR, Tag.FLAT, "blur and depth of field in flat vector graphics"),
    (Tag.BLUR, Tag.PIXEL, "blur and depth of field in pixel art"),
    (Tag.BLUR, Tag.POSTER, "bokeh or blur on a poster"),
    (Tag.LIGHT_3D, Tag.FLAT, "modelled light and shadow in flat design"),
    (Tag.DETAIL, Tag.MINIMAL, "fine detail in a minimalist design"),
    (Tag.DETAIL, Tag.FLAT, "fine detail in flat vector graphics"),
    (Tag.DETAIL, Tag.PIXEL, "fine detail in pixel art"),
    (Tag.MONO, Tag.PALETTE, "a colour palette in black and white"),
    (Tag.INDOOR, Tag.OPEN_SKY, "the open sky inside a room"),
    (Tag.INDOOR, Tag.AERIAL, "a drone or aerial view inside a room"),
    (Tag.SMALL, Tag.AERIAL, "an aerial or drone view of a tabletop object"),
    (Tag.SMALL, Tag.PANORAMA, "a panorama of a tabletop object"),
    (Tag.VAST, Tag.MACRO, "a macro shot of a landscape or monument"),
)
# fmt: on

_PAIRS: dict[frozenset[Tag], str] = {frozenset((a, b)): why for a, b, why in INCOMPATIBLE}
_BAD: dict[Tag, frozenset[Tag]] = {t: frozenset(b if a is t else a for a, b, _ in INCOMPATIBLE if t in (a, b)) for t in Tag}

# Words that give a phrase a tag. English patterns are matched case-insensitively on word
# boundaries; Chinese ones anywhere. `_UNTAGGED` is removed first: quoted text to render, names
# that only look like a tag ("snow leopard", "Spring Festival", "rainforest"), and "after the rain".
# fmt: off
_EN: dict[Tag, str] = {
    Tag.WINTER: r"snow\w*|frost\w*|frozen|icy|icicles?|blizzard|sleet|winter\w*|ice floes?|hoarfrost",
    Tag.SUMMER: r"summer\w*|midsummer|scorching|sweltering|heat haze|midday heat|tropical|heatwave",
    Tag.SPRING: r"spring(time)?|first shoots|new shoots|cherry blossoms?",
    Tag.AUTUMN: r"autumn\w*|fall foliage|falling leaves|fallen leaves|turning gold|harvest",
    Tag.BLOOM: r"in (full )?bloom|bloom(s|ing)?|blossom(s|ing)?|flowering|wildflowers?|peon(y|ies)|tulips?|sunflowers?"
               r"|lavender fields?|popp(y|ies)|wisteria|lilacs?|daisy|daisies|roses?|lotus( flowers?)?|orchids?",
    Tag.RAIN: r"rain(s|ing|y|fall|storm)?|raining|rain-(soaked|slicked|streaked)|downpour|drizzle|umbrellas?",
    Tag.STORM: r"storm(s|y)?|thunderstorms?|lightning|gale|tempest",
    Tag.SUNNY: r"sun(lit|light|shine|ny|-drenched|-dappled|beams?)|dappled light|blue sky|clear sky|cloudless|bright sun",
    Tag.OVERCAST: r"overcast|grey sky|gray sky|cloudy|leaden sky",
    Tag.MORNING: r"morning|dawn|sunrise|daybreak|first light|early light|breakfast",
    Tag.MIDDAY: r"midday|noon|high sun|harsh sun",
    Tag.EVENING: r"evening|dusk|sunset|twilight|blue hour|last light|nightfall|golden hour",
    Tag.NIGHT: r"night\w*|midnight|starry|stars|star-filled|moonlit|moonlight|northern lights|aurora|after dark",
    Tag.DAY: r"daylight|daytime|broad day|midday|noon",
    Tag.CALM: r"calm|peaceful|serene|tranquil|quiet|stillness|unhurried|hushed",
    Tag.BUSY: r"busy|crowded|bustling|rush hour|packed|thronged|lively",
    Tag.SPEED: r"speeding|racing|rushing|hurtling|motion blur|sense of speed|streaks? of movement|at full speed|in a blur",
    Tag.AT_REST: r"asleep|sleeping|dozing|parked|docked|moored|motionless|standing still",
    Tag.NEW: r"brand[- ]new|shiny new|spotless|pristine|unused|mint condition|freshly painted",
    Tag.WORN: r"worn|well[- ]worn|well[- ]loved|weathered|weather-beaten|battered|beaten-up|knocked-about|scuffed|years of (careful |daily )?use|rusty|rust-eaten"
              r"|tarnished|chipped|dented|threadbare|second-hand|patched(-up)?|corroded|timeworn",
    Tag.PHOTO: r"photo(graph)?s?|photography|photographic|photorealistic|dslr|snapshot|polaroid|full-frame camera",
    Tag.DRAWN: r"painting|painted in|watercolou?rs?|oil on canvas|gouache|charcoal|pencil|graphite|ink wash|sketch(ed)?"
               r"|drawing|drawn|illustration|illustrated|anime|cartoon|comic|cel-shaded|impasto|brushstrokes?|pastel drawing",
    Tag.RENDER: r"3d|cgi|render(ed|ing)?|octane|unreal engine|blender|low[- ]poly|voxel|claymation",
    Tag.FLAT: r"vector|flat (design|colou?rs?|graphics?|illustration|shapes|colou?r blocks)|logos?|infographics?|stickers?|icons?",
    Tag.PIXEL: r"pixel[- ]art|pixelated|8-bit|16-bit",
    Tag.POSTER: r"posters?",
    Tag.MINIMAL: r"minimalis[tm]|minimal|negative space|grid alignment|strict grid|uncluttered",
    Tag.DETAIL: r"dew ?drops?|every (single )?(strand|fibre|fiber|hair|feather|petal|thread|vein|scale)s?|intricate\w*"
                r"|fine (texture|detail|grain|vein|stitching)s?|highly detailed|hyper-?detailed|tiny (engraved|scratches|details)",
    Tag.MONO: r"black[- ]and[- ]white|monochrome|greyscale|grayscale|noir|charcoal|graphite|ink wash",
    Tag.PALETTE: r"pastel (colou?r|palette|tones)s?|jewel-toned|vibrant|saturated|teal and orange|colou?r palette|neon gradients?"
                 r"|rainbow-colou?red|pops? of (bright )?\w+",
    Tag.LENS: r"bokeh|\d+ ?mm|f/\d+(\.\d+)?|(portrait|macro|fisheye|telephoto|wide-angle) lens|long exposure|dslr|shutter"
              r"|full-frame camera|lens flare|film grain",
    Tag.BLUR: r"bokeh|blurr(ed|y)|depth of field|soft[- ]focus|shallow focus|out of focus|motion blur|defocused",
    Tag.LIGHT_3D: r"chiaroscuro|rim light(ing)?|volumetric|god rays|light rays|ray-traced|global illumination|dramatic lighting"
                  r"|(dramatically|starkly|moodily) lit",
    Tag.OPEN_SKY: r"sky full of stars|starry sky|under the stars|northern lights|rainbow|open sky|stormy sky",
    Tag.AERIAL: r"aerial|drone|bird's[- ]eye|from high above|from the air|satellite",
    Tag.PANORAMA: r"panorama|panoramic|sweeping vista|to the horizon",
    Tag.MACRO: r"macro|extreme close-up",
}
_EN_UNTAGGED = (
    r"\"[^\"]*\"|snow leopards?|snowy owls?|snow-capped|spring festival|rainforests?|rainbow trout|after (the|a) (summer )?"
    r"(rain|storm|shower)|frozen in (time|an? )|stars? of|starfish|popping|storm drains?|quiet(ly)? (corner|side street)"
    r"|plum blossoms?|sunflower seeds?|sun hat|film camera|ice cream|iced"
)
_ZH: dict[Tag, str] = {
    Tag.WINTER: r"雪|冰封|结冰|冰凌|霜|冬|寒冬",
    Tag.SUMMER: r"夏|炎热|烈日|酷暑|热带",
    Tag.SPRING: r"春天|春日|初春|春雨|春风|嫩芽|樱花",
    Tag.AUTUMN: r"秋|落叶|金黄的树叶",
    Tag.BLOOM: r"盛开|开得正盛|花开|绽放|樱花|牡丹|郁金香|向日葵|薰衣草|罂粟|荷花|莲花|紫藤|玫瑰|兰花",
    Tag.RAIN: r"下雨|雨中|雨夜|细雨|春雨|雨丝|大雨|雨天|撑伞|雨滴",
    Tag.STORM: r"暴风|雷暴|闪电|风暴",
    Tag.SUNNY: r"阳光|日光|晴朗|晴空|蓝天",
    Tag.OVERCAST: r"阴天|阴沉|灰蒙蒙",
    Tag.MORNING: r"清晨|早晨|黎明|日出|晨光|朝阳|晨露|晨雾",
    Tag.MIDDAY: r"正午|中午|烈日",
    Tag.EVENING: r"傍晚|黄昏|日落|夕阳|落日|余晖|蓝调时刻",
    Tag.NIGHT: r"夜|星空|繁星|月光|月色|极光|午夜",
    Tag.DAY: r"白天|白昼|日光",
    Tag.CALM: r"宁静|安静|静谧|平和|安详|静静",
    Tag.BUSY: r"热闹|拥挤|繁忙|熙熙攘攘|人潮",
    Tag.SPEED: r"飞驰|疾驰|动态模糊|呼啸",
    Tag.AT_REST: r"睡觉|熟睡|睡着|停在|停泊|静止",
    Tag.NEW: r"崭新|全新|刚刚熨烫",
    Tag.WORN: r"磨损|斑驳|锈迹|褪色|旧",
    Tag.PHOTO: r"照片|摄影|写实摄影|单反",
    Tag.DRAWN: r"油画|水彩|素描|铅笔|炭笔|水墨|工笔|插画|动漫|卡通|漫画|笔触",
    Tag.RENDER: r"3D|三维|渲染|建模|低多边形|C4D|虚幻引擎",
    Tag.FLAT: r"矢量|扁平|标志设计|图标|信息图",
    Tag.PIXEL: r"像素",
    Tag.POSTER: r"海报",
    Tag.MINIMAL: r"极简|留白|网格",
    Tag.DETAIL: r"露珠|纤毫毕现|根根分明|细节丰富|精细的纹理|纹理清晰",
    Tag.MONO: r"黑白|水墨|素描|炭笔",
    Tag.PALETTE: r"马卡龙色|宝石色|青橙|霓虹渐变|色彩鲜艳|饱和",
    Tag.LENS: r"散景|焦外|长曝光|毫米|微距镜头|鱼眼镜头|光圈|胶片颗粒|单反",
    Tag.BLUR: r"虚化|景深|散景|焦外|动态模糊|模糊",
    Tag.LIGHT_3D: r"明暗对比|轮廓光|体积光|丁达尔|伦勃朗光|戏剧性光影",
    Tag.OPEN_SKY: r"星空|繁星|极光|彩虹",
    Tag.AERIAL: r"航拍|无人机|鸟瞰|高空",
    Tag.PANORAMA: r"全景|地平线",
    Tag.MACRO: r"微距",
}
_ZH_UNTAGGED = r"“[^”]*”|「[^」]*」|春节|梅花|雪山|雪峰|雪鸮|冰川|雨林|雨后|夜市"
# fmt: on

_PATTERNS: dict[Language, list[tuple[Tag, re.Pattern]]] = {
    # Whole words, hyphenated compounds excepted ("snow-capped" is no snow) but "-style" kept ("poster-style").
    Language.EN: [(tag, re.compile(rf"(?<![\w-])(?:{p})(?!\w)(?!-(?!style\b))", re.IGNORECASE)) for tag, p in _EN.items()],
    Language.ZH: [(tag, re.compile(p, re.IGNORECASE)) for tag, p in _ZH.items()],
}
_UNTAGGED = {
    Language.EN: re.compile(rf"(?<![\w-])(?:{_EN_UNTAGGED})(?![\w-])", re.IGNORECASE),
    Language.ZH: re.compile(_ZH_UNTAGGED),
}


@lru_cache(maxsize=1 << 16)
def tags_of(text: str, language: Language = Language.EN) -> frozenset[Tag]:
    """The tags the words of `text` give it (Chinese text is also read with the English words:
    Chinese prompts quote English names and codes such as "3D")."""
    found: set[Tag] = set()
    langs = (Language.ZH, Language.EN) if language is Language.ZH else (Language.EN,)
    for lang in langs:
        plain = _UNTAGGED[lang].sub(" ", text)
        found.update(tag for tag, pattern in _PATTERNS[lang] if pattern.search(plain))
    return frozenset(found)


def compatible(a: Iterable[Tag], b: Iterable[Tag]) -> bool:
    """True if no tag of `a` is incompatible with a tag of `b`."""
    bs = b if isinstance(b, (set, frozenset)) else set(b)
    return not any(_BAD[x] & bs for x in a)


def conflicts(tags: Iterable[Tag]) -> list[tuple[Tag, Tag]]:
    """Every incompatible pair within one set of tags."""
    ts = set(tags)
    return sorted({tuple(sorted((x, y))) for x in ts for y in _BAD[x] & ts})


def contradictions(text: str, language: Language = Language.EN, extra: Iterable[Tag] = ()) -> list[tuple[Tag, Tag]]:
    """Every incompatible pair among the tags of `text` (plus `extra`, e.g. a head's semantic tags)."""
    return conflicts(set(tags_of(text, language)) | set(extra))


def why(a: Tag, b: Tag) -> str:
    """The table's reason for the pair (a, b)."""
    return _PAIRS[frozenset((a, b))]
