"""Detail phrase banks of the offline expander: concrete visual detail keyed by subject, style, camera.

Generic banks (colour, lighting, atmosphere, composition) never name a style or camera treatment
(no "cinematic", "dramatic lighting", "bokeh", "close-up" …): expansion must not move a prompt to
another code; `tests/test_generate.py` checks this against the classifier's phrase lists. The
style and camera banks reinforce the prompt's own treatment.
"""

from __future__ import annotations

from diffcurate.schemas import Language

# Phrases describing the subject's materials and textures.
# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
SUBJECT_DETAIL_EN: dict[str, list[str]] = {
    "S1": ["weathered hands and a textured knit sweater", "loose strands of hair catching the light", "a crisp cotton shirt with rolled sleeves",
           "laugh lines and warm brown eyes", "a faded denim jacket with brass buttons", "natural skin texture with faint freckles"],
    "S2": ["every strand of fur crisp and soft", "glossy feathers with an oily sheen", "bright amber eyes", "whiskers beaded with water",
           "a thick winter coat ruffled by the wind", "delicate patterned markings"],
    "S3": ["a flaky golden crust", "glossy sauce pooling at the edges", "crumbs scattered on the board", "fresh herbs and cracked pepper",
           "a handmade ceramic bowl with a speckled glaze", "thin wisps of steam rising"],
    "S4": ["worn oak floorboards", "linen curtains and a wool rug", "brass fittings and painted wood panels", "a velvet armchair in the corner",
           "stacks of books and a ceramic lamp", "pale plaster walls"],
    "S5": ["rippled sand and scattered pebbles", "jagged rocks streaked with minerals", "low grasses bending in the wind",
           "layers of distant ridges fading into haze", "clear water over smooth stones", "wisps of cloud clinging to the peaks"],
    "S6": ["weathered brick and wrought-iron balconies", "glass facades reflecting the sky", "wet cobblestones and painted shutters",
           "rusted steel beams and concrete", "terracotta roof tiles", "tiny lit windows in rows"],
    "S7": ["polished chrome trim", "chipped paint and rust on the panels", "glossy lacquered bodywork", "worn leather seats",
           "rivets along the steel hull", "mud-splashed tyres"],
    "S8": ["velvety petals with fine veins", "dew drops on waxy leaves", "gnarled bark covered in lichen", "pale green new shoots",
           "soft pollen dusting the stamens", "curling tendrils"],
    "S9": ["fine stitching along the seams", "soft brushed suede", "gleaming gold hardware", "delicate lace trim", "heavy woven wool",
           "buttery smooth leather"],
    "S10": ["scratched brass and worn wood", "a smooth enamel finish", "tiny engraved markings", "faded paint on the edges",
            "a cracked leather handle", "polished steel parts"],
    "S11": ["crisp evenly spaced lettering", "slightly uneven hand-painted strokes", "letters with a subtle drop shadow",
            "paint cracking at the edges of the letters", "glowing tubes bent into each letter", "neatly kerned letters"],
    "S12": ["weathered stone worn smooth by centuries", "faithful historical architecture", "accurate period clothing and banners",
            "intricate carved reliefs", "the familiar silhouette against the sky"],
    "S13": ["red silk and gold embroidery", "carved wooden lattice windows", "glazed green roof tiles with upturned eaves",
            "plum blossoms and bamboo", "lacquered red pillars", "delicate blue and white porcelain patterns"],
    "S14": ["iridescent surfaces that shift colour", "impossible geometry folding in on itself", "glowing particles drifting upward",
            "translucent crystal structures", "spirals of luminous energy", "shapes that melt into one another"],
}

SUBJECT_DETAIL_ZH: dict[str, list[str]] = {
    "S1": ["粗糙的双手和针织毛衣", "发丝在光线中清晰可见", "挽起袖子的白衬衫", "笑容温暖眼神明亮"],
    "S2": ["毛发根根分明", "羽毛泛着光泽", "琥珀色的眼睛", "胡须上挂着水珠"],
    "S3": ["金黄酥脆的外皮", "浓郁的酱汁", "撒着新鲜香草", "手工陶碗"],
    "S4": ["老旧的橡木地板", "亚麻窗帘和羊毛地毯", "角落里的丝绒扶手椅", "淡色的灰泥墙面"],
    "S5": ["起伏的沙纹", "嶙峋的岩石", "被风吹弯的草", "远处层叠的山脊"],
    "S6": ["斑驳的红砖墙", "倒映天空的玻璃幕墙", "湿润的石板路", "一排排亮着的小窗"],
    "S7": ["锃亮的镀铬饰条", "斑驳的油漆和锈迹", "光亮的车身漆面", "沾满泥点的轮胎"],
    "S8": ["丝绒般的花瓣", "叶片上的露珠", "长满地衣的树皮", "嫩绿的新芽"],
    "S9": ["精细的缝线", "柔软的麂皮", "闪亮的金色五金", "精致的蕾丝花边"],
    "S10": ["磨损的黄铜和木头", "光滑的搪瓷表面", "细小的刻字", "边缘褪色的油漆"],
    "S11": ["字迹清晰工整", "手绘笔画略有起伏", "字母带着淡淡的投影", "每个字都清楚可读"],
    "S12": ["历经岁月的石材", "忠实还原的历史建筑", "精美的浮雕", "熟悉的轮廓映衬天空"],
    "S13": ["红绸和金色刺绣", "雕花木窗", "飞檐翘角的琉璃瓦", "梅花与翠竹"],
    "S14": ["变幻色彩的表面", "不可能的几何结构", "向上飘散的光点", "半透明的水晶结构"],
}

GENERIC_EN: dict[str, list[str]] = {
    "colour": ["in muted earth tones", "with warm amber and teal accents", "a soft pastel colour palette", "rich jewel-toned colours",
               "a palette of cream, rust and olive", "deep blues and warm golds", "with small pops of bright red", "in gentle greens and greys",
               "warm honey and terracotta hues", "cool silver and slate tones"],
    "lighting": ["soft morning light", "warm late-afternoon sunlight", "diffused overcast light", "gentle window light from the side",
                 "cool blue twilight", "warm lamplight", "dappled sunlight through leaves", "even, soft daylight", "the glow of early dawn"],
    "atmosphere": ["a calm, quiet mood", "a peaceful, unhurried atmosphere", "a gentle nostalgic feeling", "crisp fresh air",
                   "a cheerful, lively mood", "a sense of stillness", "a warm and inviting feel", "a faint haze in the distance"],
    "composition": ["centred composition", "rule-of-thirds composition", "balanced symmetrical framing", "a clean uncluttered background",
                    "the subject placed off-centre with negative space", "layered foreground and background", "a strong leading line"],
}

GENERIC_ZH: dict[str, list[str]] = {
    "colour": ["柔和的大地色调", "暖琥珀色与青色点缀", "淡雅的马卡龙色系", "浓郁的宝石色调", "深蓝与暖金交织"],
    "lighting": ["柔和的晨光", "温暖的午后阳光", "阴天的漫射光", "从侧面照进的窗光", "温暖的灯光", "透过树叶的斑驳阳光"],
    "atmosphere": ["宁静平和的氛围", "温馨怀旧的感觉", "清新的空气", "欢快热闹的气氛", "静谧安详"],
    "composition": ["居中构图", "三分法构图", "对称构图", "背景干净简洁", "前景与背景层次分明"],
}

STYLE_DETAIL_EN: dict[str, list[str]] = {
    "T1": ["natural skin tones and true-to-life colours", "sharp focus and realistic textures", "fine grain and accurate colour",
           "realistic reflections and shadows"],
    "T2": ["visible canvas weave", "soft blended pigments on textured paper", "layered translucent glazes", "expressive brushwork",
           "paper texture showing through the paint"],
    "T3": ["clean linework and flat shading", "bold outlines", "a vibrant saturated palette", "crisp shapes and smooth gradients",
           "expressive stylised proportions"],
    "T4": ["smooth subsurface scattering", "global illumination", "glossy plastic materials", "soft ambient occlusion",
           "physically based materials"],
    "T5": ["widescreen framing", "a teal and orange colour grade", "subtle haze in the air", "deep blacks and soft highlights",
           "a sense of a story unfolding"],
    "T6": ["bold geometric shapes", "a limited three-colour palette", "strict grid alignment", "generous negative space",
           "crisp flat colour blocks"],
    "T7": ["overlapping translucent layers", "fragmented shapes and torn-paper edges", "iridescent neon gradients",
           "textures from different media layered together", "shapes that blur into each other"],
}

STYLE_DETAIL_ZH: dict[str, list[str]] = {
    "T1": ["色彩真实自然", "对焦清晰质感逼真"], "T2": ["笔触清晰可见", "颜料在纸面自然晕开", "层层罩染"],
    "T3": ["线条干净利落", "色彩鲜艳饱和", "粗轮廓线"], "T4": ["全局光照", "光滑的材质", "柔和的环境光遮蔽"],
    "T5": ["宽银幕构图", "青橙色调", "空气中淡淡的薄雾"], "T6": ["大胆的几何图形", "有限的三色配色", "大量留白"],
    "T7": ["半透明图层相互叠加", "碎片化的形状", "霓虹渐变色"],
}

CAMERA_DETAIL_EN: dict[str, list[str]] = {
    "C1": ["framed at eye level", "a natural straight-on perspective"],
    "C2": ["fine textures in sharp focus", "every tiny fibre visible"],
    "C3": ["an expansive view reaching to the horizon", "the scene stretching from edge to edge"],
    "C4": ["patterns visible from high above", "shapes and patterns seen straight down"],
    "C5": ["towering over the viewer", "the sky filling the top of the frame"],
    "C6": ["a soft creamy background", "the subject crisp against a soft blur"],
    "C7": ["streaks of movement", "a smooth sense of speed"],
    "C8": ["deep shadows and bright highlights", "strong contrast carving the shapes"],
}

CAMERA_DETAIL_ZH: dict[str, list[str]] = {
    "C1": ["平视角度自然"], "C2": ["细微纹理清晰锐利"], "C3": ["视野一直延伸到地平线"], "C4": ["从高空俯瞰的图案"],
    "C5": ["主体高耸入云"], "C6": ["背景柔和如奶油"], "C7": ["流动的光影轨迹"], "C8": ["深邃的阴影与明亮的高光"],
}
# fmt: on

SUBJECT_DETAIL = {Language.EN: SUBJECT_DETAIL_EN, Language.ZH: SUBJECT_DETAIL_ZH}
GENERIC = {Language.EN: GENERIC_EN, Language.ZH: GENERIC_ZH}
STYLE_DETAIL = {Language.EN: STYLE_DETAIL_EN, Language.ZH: STYLE_DETAIL_ZH}
CAMERA_DETAIL = {Language.EN: CAMERA_DETAIL_EN, Language.ZH: CAMERA_DETAIL_ZH}
