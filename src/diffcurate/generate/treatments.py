"""How a prompt states its style and camera, phrased as a person would write them.

A *treatment* is one way of rendering a code: an oil painting, a watercolor, pixel art; an aerial
view, a close-up with a macro lens. Each can be written in several grammatical roles, and the
composer's sentence frames pick one:

- `of`: a frame for the head, "a watercolor painting of …", "an aerial view of …";
- `clause`: a participial or prepositional clause, "painted in loose watercolor washes",
  "seen from high above";
- `adj` (styles) and `noun` (cameras), combined into one frame: "a watercolor close-up of …".

A treatment's tags (compat.py) are read off all its words, so the composer knows that pixel art
and soft bokeh, or an oil painting and an 85mm lens, do not go together. `subjects` limits a
treatment to some subjects ("a wildlife photograph of" is for animals), `needs` to heads with a
semantic tag ("an overhead flat lay of" is for tabletop objects), `avoid` keeps it from heads with
one ("a drone shot of" is no view of a room). English and Chinese are written separately.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property

from diffcurate.generate.compat import Tag, tags_of
from diffcurate.generate.phrases import realize
from diffcurate.schemas import Language

_TAG_DRAWS = 24  # draws of each phrasing from which a treatment's tags are read


@dataclass(frozen=True)
class Treatment:
    of: tuple[str, ...] = ()
    clause: tuple[str, ...] = ()
    adj: tuple[str, ...] = ()
    noun: tuple[str, ...] = ()
    subjects: frozenset[str] | None = None
    needs: frozenset[Tag] = frozenset()
    avoid: frozenset[Tag] = frozenset()
    language: Language = Language.EN
    extra_tags: frozenset[Tag] = field(default_factory=frozenset)

    @cached_property
    def tags(self) -> frozenset[Tag]:
        """The tags every phrasing of it gives (a watercolor is always drawn; a pooled word such as
        "morning" is checked when a phrasing is drawn), plus `extra_tags`."""
        rng = random.Random(0)  # a fixed sample of each phrase's draws: the same tags on every run
        drawn = [tags_of(realize(p, rng), self.language) for p in self.phrases for _ in range(_TAG_DRAWS)]
        return frozenset.intersection(*drawn) | self.extra_tags if drawn else self.extra_tags

    @property
    def phrases(self) -> tuple[str, ...]:
        return self.of + self.clause + self.adj + self.noun

    def fits(self, subject: str, head_tags: frozenset[Tag]) -> bool:
        if self.subjects is not None and subject not in self.subjects:
            return False
        return self.needs <= head_tags and not (self.avoid & head_tags)


def T(of=(), clause=(), adj=(), noun=(), subjects=None, needs=(), avoid=()) -> Treatment:
    return Treatment(
        tuple(of),
        tuple(clause),
        tuple(adj),
        tuple(noun),
        frozenset(subjects) if subjects else None,
        frozenset(needs),
        frozenset(avoid),
    )


def Z(of=(), clause=(), subjects=None, needs=(), avoid=()) -> Treatment:
    """A Chinese treatment: `of` opens the prompt ("这幅水彩画画的是"), `clause` follows it ("用水彩晕染而成")."""
    return Treatment(
        tuple(of),
        tuple(clause),
        (),
        (),
        frozenset(subjects) if subjects else None,
        frozenset(needs),
        frozenset(avoid),
        Language.ZH,
    )


SMALL, VAST, INDOOR = Tag.SMALL, Tag.VAST, Tag.INDOOR
PEOPLE, ANIMALS, FOOD, PLACES = {"S1"}, {"S2"}, {"S3"}, {"S5", "S6", "S12"}

# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
# Pools around each treatment's keyword (before and after it), so that its phrase is rarely worded the same way twice.
_LOOK = ("[soft|bold|quiet|moody|bright|muted|warm|cool|loose|careful|delicate|vivid|gentle|striking|subtle|rich|airy|hazy|tender|"
         "lively|sombre|sunny|restrained|luminous|expressive|spare]")
_PIECE = "[piece|study|picture|work|image|scene|vignette|sketch]"
_AS = "[as|like|done as|made as|styled as|imagined as]"
_MADE = "[done|made|worked|finished|handled|captured|set down|imagined|told]"
_PHOTO = "[photo|photograph|snapshot|shot|picture|frame|capture]"
_PHOTO_ADJ = ("[candid|quiet|casual|grainy|sunny|plain|honest|crisp|natural|unposed|simple|sharp|spontaneous|everyday|clean|"
              "unfussy|documentary|off-the-cuff|straightforward|bright]")
_LIGHT_KIND = "[natural|soft|window|available|morning|flat|evening|overcast|diffuse|low winter]"


def _style(kw: str, extra_tail: str = "") -> tuple[list[str], list[str]]:
    """`of` and `clause` phrasings around a style keyword ("watercolor"): pools on both sides of it."""
    tail = f"[|{extra_tail}]" if extra_tail else ""
    of = [f"a {_LOOK} {kw} {_PIECE} of", f"a {kw} {_PIECE} of"]
    clause = [f"{_MADE} in {_LOOK} {kw} {tail}".strip(), f"{_AS} a {_LOOK} {kw} {_PIECE} {tail}".strip()]
    return of, clause


_OIL = _style("oil", "on [canvas|linen|board|panel] with [thick|visible|heavy] impasto")
_WATER = _style("watercolor", "on [rough|cold-press|textured|cream] paper")
_CHAR = _style("charcoal", "on [grey|toned|rough|cream] paper")
_PENC = _style("pencil", "with [fine|light|careful|smudged] hatching")
_INK = _style("ink wash", "on [rice|thin|absorbent] paper")

STYLE_EN: dict[str, list[Treatment]] = {
    "T1": [
        T(of=[f"a {_PHOTO_ADJ} {_PHOTO} of", f"a {_PHOTO} of"],
          clause=[f"in a {_PHOTO_ADJ} {_PHOTO}", f"[photographed|shot|captured|caught|taken] in {_LIGHT_KIND} light", f"{_AS} a {_PHOTO_ADJ} photograph"],
          adj=["photographic", "realistic", "true-to-life"]),
        T(of=[f"a {_PHOTO_ADJ} wildlife {_PHOTO} of"], clause=[f"in a {_PHOTO_ADJ} wildlife {_PHOTO}", "[photographed|shot|captured] in the wild"],
          subjects=ANIMALS),
        T(of=[f"a {_PHOTO_ADJ} portrait {_PHOTO} of"], clause=[f"in a {_PHOTO_ADJ} portrait {_PHOTO}"], subjects=PEOPLE),
        T(of=[f"a {_PHOTO_ADJ} food {_PHOTO} of"], clause=[f"[styled|shot|set up] for a {_PHOTO_ADJ} food {_PHOTO}"], subjects=FOOD),
        T(of=[f"a {_PHOTO_ADJ} [studio|product] {_PHOTO} of"], clause=[f"in a {_PHOTO_ADJ} [studio|product] {_PHOTO}"], subjects={"S9", "S10"}),
        T(of=[f"a {_PHOTO_ADJ} travel {_PHOTO} of"], clause=[f"in a {_PHOTO_ADJ} travel {_PHOTO}"], subjects=PLACES),
        T(of=[f"a {_PHOTO_ADJ} DSLR {_PHOTO} of"], clause=["[taken|shot|captured] on a [DSLR|full-frame DSLR|borrowed DSLR]"]),
    ],
    "T2": [
        T(of=_OIL[0] + ["an oil painting of"], clause=_OIL[1] + ["painted in [thick|buttery|heavy|loose] oils"], adj=["oil-painted", "oil"]),
        T(of=_WATER[0] + ["a watercolor of"], clause=_WATER[1] + [f"washed in {_LOOK} watercolor"], adj=["watercolor"]),
        T(of=_CHAR[0], clause=_CHAR[1] + ["drawn in [smudged|soft|rough|sooty] charcoal"], adj=["charcoal"]),
        T(of=_PENC[0], clause=_PENC[1] + ["sketched in [fine|soft|hard|smudgy] graphite pencil"], adj=["pencil"]),
        T(of=_INK[0], clause=_INK[1] + ["brushed in ink [on rice paper|with quick strokes|and water]"], adj=["ink wash"]),
        T(of=[f"a {_LOOK} gouache painting of"], clause=[f"{_AS} a {_LOOK} gouache painting"]),
    ],
    "T3": [
        T(of=[f"a {_LOOK} digital illustration of"], clause=[f"[drawn|made|done|imagined] as a {_LOOK} digital illustration"]),
        T(of=["an anime [illustration|drawing|still|frame|scene] of", f"a {_LOOK} anime [drawing|still|frame] of"],
          clause=[f"in {_LOOK} anime style", f"drawn as a {_LOOK} anime [still|frame|scene]"], adj=["anime-style", "anime"]),
        T(of=[f"a {_LOOK} comic [panel|page|strip] of"], clause=[f"in {_LOOK} comic [style|panels|linework]", "inked like a comic panel"],
          adj=["comic-style"]),
        T(of=[f"a {_LOOK} cartoon of", f"a {_LOOK} storybook illustration of"], clause=[f"{_AS} a {_LOOK} cartoon", f"drawn like a {_LOOK} cartoon"],
          adj=["cartoon"]),
        T(of=["concept art of", f"a {_LOOK} piece of concept art showing"], clause=[f"as {_LOOK} concept art [for a [game|series|novel cover]|]"]),
        T(of=["pixel art of", "a [16-bit|8-bit|retro|chunky|tiny] pixel art [scene|sprite|vignette] of"],
          clause=["in [16-bit|8-bit|chunky|retro|tiny|crisp] pixel art [|with a tiny palette|like an old game]"], adj=["pixel-art"]),
        T(of=["a [flat|clean|simple|bold|tidy] vector illustration of"], clause=["in [clean|flat|bold|simple|crisp] vector art [|with flat colour]"],
          adj=["flat vector"]),
    ],
    "T4": [
        T(of=["a [glossy|soft|cute|pastel|clean|chunky|shiny|matte|playful] 3D [render|scene|diorama] of"],
          clause=[f"{_AS} a [glossy|soft|clean|bright] octane render", "[rendered|modelled|built] in [soft|glossy|clean|warm|matte] 3D"],
          adj=["3D-rendered", "3D"]),
        T(of=["a [glossy|realistic|moody|clean] CGI [scene|render|shot] of", "an Unreal Engine [render|scene] of"],
          clause=["as [ray-traced|glossy|realistic|moody] CGI", "[rendered|built|staged] in Unreal Engine 5", f"{_AS} an Unreal Engine [render|scene]"], adj=["CGI"]),
        T(of=["a [chunky|faceted|bright|pastel] low poly [scene|diorama|world] of"],
          clause=["in [chunky|faceted|simple|bright|pastel|angular] low poly [3D|shapes|geometry|facets]"], adj=["low poly"]),
        T(of=["a [soft|chunky|handmade] clay 3D [scene|render|diorama] of"], clause=["in [soft|chunky|handmade|lumpy] clay 3D [style|]"], adj=["clay 3D"]),
        T(of=["a [tiny|chunky|bright] voxel [scene|render|diorama] of"], clause=[f"{_AS} a [tiny|chunky|bright|blocky|cheerful|pastel] voxel [render|diorama|scene]"], adj=["voxel"]),
        T(of=["a [clean|soft|glossy|stylised] Blender 3D [render|scene] of"], clause=["[modelled|rendered|built|sculpted|made] in Blender [3D|3D with soft light|3D as a diorama]"], adj=["Blender 3D"]),
    ],
    "T5": [
        T(of=["a [cinematic|widescreen|moody|grainy|hushed|tense] film still of", "a [tense|quiet|sweeping] movie scene of"],
          clause=["like a [still|frame|moment] from [an epic|a quiet|an indie|a period|a slow|a French|a forgotten] [movie|film]",
                  "{_AS} a [moody|quiet|sweeping|tense|hushed] cinematic [frame|shot|still]"],
          adj=["cinematic"]),
        T(of=["a [moody|smoky|grainy] noir [still|frame] of"], clause=["in [classic|gritty|smoky|moody] film noir [style|manner|mood]"], adj=["noir"]),
        T(of=["a [grainy|quiet|tense] film still of"], clause=["with [moody|warm|cool|teal and orange] cinematic grading",
                                                            "[as|like] a [scene|moment|shot] from a [movie|film|war movie|road movie|period film|heist movie]"],
          adj=["cinematic", "film-still"]),
        T(of=["a [warm|blue-tinted|grainy|wide|hazy] anamorphic film still of"], clause=["on [35mm|16mm|grainy] film", "with [warm|blue|streaking] anamorphic lens flare"], adj=["anamorphic"]),
    ],
    "T6": [
        T(of=["a [vintage|retro|bold|mid-century|two-colour|screen-printed] [travel|] poster of"],
          clause=[f"{_AS} a [vintage|retro|bold|mid-century|two-colour] [travel|] poster"], adj=["poster-style"]),
        T(of=["a [clean|bold|airy|glossy|crisp|playful|elegant|busy] [magazine|editorial|brochure|catalogue|newsletter] layout [featuring|built around|showing]"], clause=["in a [clean|glossy|airy|bold] [magazine|editorial] layout"]),
        T(of=["a [clean|simple|colourful|friendly|cheerful|tidy] infographic [about|explaining|on]"], clause=[f"{_AS} a [clean|simple|colourful|friendly] infographic"]),
        T(of=["a [minimalist|flat|simple|geometric|rounded|badge-like] logo [of|showing|built from]"], clause=[f"{_AS} a [minimalist|flat|simple|geometric] logo"]),
        T(of=["a [mobile|travel|weather|music|booking|fitness|recipe|gardening|museum] app UI [featuring|built around|showing]"], clause=["inside a [mobile|travel|weather|booking|music|recipe|banking|gardening|museum|fitness] app UI"]),
        T(of=["a [bold|clean|Swiss-style|playful|stark|airy] typography layout [featuring|built around|with]"],
          clause=["in a [Swiss-style|grid|modular|clean|tight|asymmetric] layout with [bold|big|heavy|tight|generous|oversized] typography"]),
    ],
    "T7": [
        T(of=["a [torn-paper|mixed-media|layered|cut-paper|scrapbook] collage of"],
          clause=[f"{_AS} a [torn-paper|mixed-media|layered|cut-paper|scrapbook] collage [|of old prints|of magazine scraps|of tickets and stamps|of faded photographs]"], adj=["collage-style"]),
        T(of=["a [soft|haunting|layered|faded] double exposure of"], clause=[f"{_AS} a [soft|haunting|layered|faded] double exposure"], adj=["double exposure"]),
        T(of=["a [corrupted|neon|broken|flickering|static-torn|noisy] glitch art [image|frame|still] of"], clause=["with [heavy|harsh|neon|digital|broken] glitch distortion"], adj=["glitch-art"]),
        T(of=["a [pastel|neon|retro] vaporwave [artwork|scene] of"], clause=["in a [pastel|neon|retro|pink-and-teal] vaporwave [aesthetic|palette|style]"],
          adj=["vaporwave"]),
        T(of=["a [soft|hazy|luminous|pale|misty] ethereal [image|dreamscape|vision|glimpse] of"], clause=["[dreamy|hazy|soft|luminous] and ethereal"], adj=["ethereal", "dreamy"]),
        T(of=["a surreal collage of"], clause=[f"{_AS} a surreal collage"], adj=["surreal"], subjects={"S14"}),
    ],
}

_SEEN = "[seen|shot|framed|caught|taken|pictured|viewed|held|composed]"
CAMERA_EN: dict[str, list[Treatment]] = {
    "C1": [T(of=["[an|a plain|a simple|a level|a natural] eye-level [view|shot|frame|picture] of", "a [straight-on|head-on|level] [view|shot|look] of"],
             clause=["at [eye|head|chest|shoulder] level", "from [eye|standing|chest|shoulder] height", f"{_SEEN} [straight on|head-on|at eye level|from eye level]"],
             noun=["eye-level view"])],
    "C2": [
        T(of=["a [tight|crisp|soft|sharp|close|careful|grainy|intimate|patient] close-up of"],
          clause=["in [tight|sharp|soft|crisp|careful|intimate] close-up", f"{_SEEN} in close-up"], noun=["close-up"]),
        T(of=["a macro [shot|study|view] of", "an extreme close-up of"], clause=[f"{_SEEN} in extreme close-up", "through a [sharp|tiny|borrowed|old|fast] macro lens"],
          noun=["macro shot"]),
    ],
    "C3": [
        T(of=["a [broad|sweeping|deep|roomy|generous] wide-angle [view|shot|frame] of"],
          clause=["in a [broad|sweeping|deep|roomy|generous] wide-angle [shot|view|frame]", f"{_SEEN} wide-angle"],
          noun=["wide-angle view"]),
        T(of=["a [sweeping|broad|long|wide] panorama of"], clause=["in a [long|sweeping|broad|wide] panorama"], noun=["panorama"]),
        T(of=["a [curved|bulging|round|warped] fisheye [view|shot] of"], clause=["through a [curved|bulging|round|cheap] fisheye lens"], noun=["fisheye view"]),
    ],
    "C4": [
        T(of=["an aerial [view|shot|image] of", "a drone [shot|view] of"],
          clause=[f"{_SEEN} from a [hovering|passing|high|distant] drone", "from a drone high above", f"{_SEEN} in an aerial [view|shot]"],
          noun=["aerial view"]),
        T(of=["a [neat|clean|tidy] top-down [view|shot] of", "an overhead [view|shot] of"], clause=[f"{_SEEN} top-down", f"{_SEEN} from directly overhead"],
          noun=["top-down view", "overhead view"]),
        T(of=["a flat lay of"], clause=["as a [neat|tidy|careful] flat lay"], noun=["flat lay"], needs={SMALL}),
    ],
    "C5": [T(of=["a low-angle [view|shot|frame] of", "a [steep|dizzying|ground-level] worm's-eye view of"],
             clause=["from a [low|very low|steep|dizzying] angle", f"{_SEEN} from [below|ground level|knee height] looking up",
                     "[seen|shot|viewed|framed|taken] looking up from [below|the ground|the pavement|knee height|the grass|a crouch]"],
             noun=["low-angle view", "low-angle shot"])],
    "C6": [
        T(of=["a shallow-focus [shot|study|view] of", "a [soft|gentle|dreamy] shallow depth of field [shot|study] of"],
          clause=["with a [softly|gently|heavily|pleasantly] blurred background", "with [a shallow|shallow|very shallow] depth of field", "in shallow focus"],
          noun=["shallow-focus view"]),
        T(clause=["against [creamy|soft|golden|warm|glittering] bokeh", "with [soft|round|twinkling] bokeh behind", "at f/[1.4|1.8|2] on an [85mm|50mm] lens"],
          noun=["bokeh shot"]),
    ],
    "C7": [
        T(of=["a long exposure of"], clause=["in a [slow|night|long|ten-second] long exposure", f"{_SEEN} in a long exposure"], noun=["long exposure"]),
        T(clause=["with [soft|heavy|streaking] motion blur", "[blurred|smeared] by motion"]),
        T(clause=["with [bright|red|glowing|amber|white] light trails", "traced by [long|bright|glowing] light trails"]),
    ],
    "C8": [
        T(of=["a [dramatically|moodily|starkly] lit [view|scene|study] of", "a chiaroscuro study of"],
          clause=["[with|under|in] dramatic lighting", "in [stark|deep|moody|heavy] chiaroscuro"], noun=["chiaroscuro view"]),
        T(clause=["[lit|edged|outlined|traced|rimmed|caught] by a [hard|golden|cold|bright|thin|warm] rim light", "with [sharp|bright|warm] rim light",
                  "with volumetric [light|rays|beams|shafts] [pouring in|through the haze|slanting down|cutting through]"]),
    ],
}

STYLE_ZH: dict[str, list[Treatment]] = {
    "T1": [Z(of=["一张真实的照片：", "一张纪实摄影作品："], clause=["用写实摄影的方式拍下", "在自然光下拍摄成照片"])],
    "T2": [Z(of=["这幅油画画的是", "一幅厚涂油画："], clause=["用厚重的油画笔触描绘", "以古典油画的方式画成"]),
           Z(of=["这幅水彩画画的是", "一幅淡雅的水彩画："], clause=["用水彩晕染而成", "以清透的水彩画出"]),
           Z(of=["这幅水墨画画的是"], clause=["用水墨在宣纸上晕开", "以水墨写意的笔法画出"]),
           Z(of=["这幅素描画的是"], clause=["用铅笔素描细细画出", "以炭笔素描勾勒"])],
    "T3": [Z(of=["这幅数字插画画的是", "一幅动漫风格插画："], clause=["画成日系动漫风格", "以数字插画的方式呈现"]),
           Z(of=["这幅卡通插画画的是"], clause=["画成可爱的卡通风格"]),
           Z(of=["这幅像素画画的是"], clause=["用复古像素风格绘制"]),
           Z(of=["一幅扁平矢量插画："], clause=["画成扁平矢量插画"])],
    "T4": [Z(of=["一个3D渲染场景：", "一幅OC渲染的3D画面："], clause=["用3D渲染呈现", "以虚幻引擎5渲染出来"]),
           Z(of=["一个低多边形3D模型场景："], clause=["做成低多边形3D风格"]),
           Z(of=["一个黏土风格的3D场景："], clause=["做成黏土风格的3D渲染"])],
    "T5": [Z(of=["一帧电影剧照：", "一个电影镜头："], clause=["像电影剧照一样", "带着电影感的调色"]),
           Z(of=["一帧黑色电影画面："], clause=["拍成黑色电影的风格"])],
    "T6": [Z(of=["一张复古旅行海报：", "一张极简海报设计："], clause=["设计成一张复古海报", "做成简洁的海报版式"]),
           Z(of=["一页杂志版式设计："], clause=["排成杂志版式"]),
           Z(of=["一个标志设计："], clause=["简化成扁平的标志设计"])],
    "T7": [Z(of=["一幅拼贴艺术作品：", "一幅双重曝光作品："], clause=["做成拼贴艺术的效果", "以双重曝光的手法叠加"]),
           Z(of=["一幅故障艺术作品："], clause=["带着故障艺术的扭曲效果"]),
           Z(of=["一幅梦幻空灵的画面："], clause=["笼罩在梦幻空灵的氛围里"]),
           Z(of=["一幅蒸汽波风格作品："], clause=["带着蒸汽波美学的粉紫色调"])],
}

CAMERA_ZH: dict[str, list[Treatment]] = {
    "C1": [Z(of=["平视视角："], clause=["以平视的角度拍摄", "镜头与视线齐平"])],
    "C2": [Z(of=["特写：", "近距离特写："], clause=["以特写镜头呈现", "镜头贴近拍成特写"]),
           Z(of=["微距特写："], clause=["用微距镜头拍下"])],
    "C3": [Z(of=["广角镜头下的画面：", "广角视角："], clause=["用广角镜头收进整个场景", "以广角视角拍下周围的环境"]),
           Z(of=["全景画面："], clause=["以全景视角展开", "在全景镜头里一直延伸到地平线"])],
    "C4": [Z(of=["航拍视角："], clause=["从高空航拍俯瞰", "从高处航拍俯拍"]),
           Z(of=["俯视视角："], clause=["从正上方俯视", "以俯视图的角度呈现"])],
    "C5": [Z(of=["低角度仰拍："], clause=["从低角度仰拍", "以仰视视角向上看"])],
    "C6": [Z(of=["浅景深画面："], clause=["背景被柔和地虚化", "用浅景深让背景虚化"]),
           Z(clause=["背景化作柔和的散景"])],
    "C7": [Z(of=["长曝光画面："], clause=["用长曝光拍下流动的光轨", "长曝光下光线拉成长长的轨迹"]),
           Z(clause=["带着动态模糊的速度感"]),
           Z(clause=["一道道光轨划过画面"])],
    "C8": [Z(of=["戏剧性光影："], clause=["在戏剧性光影中", "带着强烈的明暗对比", "体积光从侧面穿过"])],
}
# fmt: on

STYLES = {Language.EN: STYLE_EN, Language.ZH: STYLE_ZH}
CAMERAS = {Language.EN: CAMERA_EN, Language.ZH: CAMERA_ZH}
