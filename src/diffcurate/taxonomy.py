"""The fixed prompt taxonomy of the LADD recipe: 14 subjects × 7 styles × 8 cameras.

Codes and meanings are those of ../shared/spec/taxonomy.md (and of the labelled reference sets);
they must not change. Coverage is measured over the 98 Subject × Style cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Axis(StrEnum):
    SUBJECT = "subject"
    STYLE = "style"
    CAMERA = "camera"


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    meaning: str


# Data tables, one entry a line: `ruff format` leaves them as written.
# fmt: off
SUBJECTS: tuple[Category, ...] = (
    Category("S1", "People/Portraits", "a person is a main subject: portraits, groups, people acting, people wearing things, people with animals"),
    Category("S2", "Animals", "real animals as the main subject"),
    Category("S3", "Food&Beverage", "dishes, ingredients, drinks, desserts, table settings of food"),
    Category("S4", "IndoorScenes", "rooms and indoor spaces: living rooms, kitchens, offices, libraries, shops seen from inside"),
    Category("S5", "Outdoor/Landscape", "natural outdoor scenery: mountains, seas, skies, deserts, weather"),
    Category("S6", "Architecture/Urban", "buildings, streets, skylines, bridges, towns, city scenes"),
    Category("S7", "Vehicles", "cars, trains, aircraft, boats, bikes, spacecraft as vehicles"),
    Category("S8", "Plants/Nature", "plants, flowers, trees, gardens, mushrooms as the focus"),
    Category("S9", "Fashion/Clothing", "garments, shoes, bags, jewellery as the focus, with no person as the main subject"),
    Category("S10", "Objects/Artifacts", "everyday objects, tools, instruments, furniture pieces, toys, products, artefacts; also counting/colour/position tests about objects"),
    Category("S11", "Text/Typography", "the image must render legible text: signs, posters, labels, logos, covers, handwriting"),
    Category("S12", "WorldKnowledge", "named landmarks, famous places, historical events and figures, flags, maps: content that needs knowledge of the real world"),
    Category("S13", "ChineseCultural", "Chinese heritage as subject matter (festivals, hanfu, calligraphy, pagodas, ink landscapes, Chinese mythology), decided by content, not by the prompt's language"),
    Category("S14", "Abstract/Imagination", "abstract art, patterns, surreal or fantastical scenes, imaginary creatures, sci-fi worlds"),
)

STYLES: tuple[Category, ...] = (
    Category("T1", "Photorealistic", "photographs and realistic renderings; the default when nothing implies another style"),
    Category("T2", "TraditionalArt", "oil, watercolour, ink wash, pencil, charcoal, classical painting"),
    Category("T3", "DigitalIllustration", "digital illustration, concept art, anime, cartoon, comic, pixel and vector art"),
    Category("T4", "3D/CGI", "3D render, CGI, octane, unreal engine, low poly, clay, voxel"),
    Category("T5", "Cinematic/Film", "film still, movie scene, cinematic lighting, anamorphic, film grain, noir"),
    Category("T6", "GraphicDesign", "posters, logos, layouts, infographics, UI, typographic design"),
    Category("T7", "Mixed/Experimental", "collage, glitch, double exposure, surreal or dreamy/ethereal treatment, vaporwave"),
)

CAMERAS: tuple[Category, ...] = (
    Category("C1", "Standard/Eye-level", "no special framing stated: the default"),
    Category("C2", "Macro/Close-up", "close-up, macro, detail shot"),
    Category("C3", "WideAngle/Panoramic", "wide angle, panorama, vista, fisheye"),
    Category("C4", "Aerial/BirdsEye", "aerial, drone, overhead, top-down, flat lay"),
    Category("C5", "LowAngle/WormsEye", "low angle, looking up"),
    Category("C6", "Bokeh/ShallowDOF", "shallow depth of field, bokeh, blurred background, portrait lens"),
    Category("C7", "LongExposure/Motion", "long exposure, motion blur, light trails, action"),
    Category("C8", "DramaticLighting", "dramatic, rim, chiaroscuro or volumetric lighting as the defining treatment"),
)
# fmt: on

AXES: dict[Axis, tuple[Category, ...]] = {Axis.SUBJECT: SUBJECTS, Axis.STYLE: STYLES, Axis.CAMERA: CAMERAS}
CODES: dict[Axis, list[str]] = {axis: [c.code for c in cats] for axis, cats in AXES.items()}
NAMES: dict[str, str] = {c.code: c.name for cats in AXES.values() for c in cats}
DEFAULT_CODE: dict[Axis, str] = {Axis.STYLE: "T1", Axis.CAMERA: "C1"}  # the spec's defaults
N_CELLS = len(SUBJECTS) * len(STYLES)  # 98


def validate_code(axis: Axis, code: str) -> str:
    """`code` if it is a valid code of `axis`, else ValueError naming the valid ones."""
    if code not in CODES[axis]:
        raise ValueError(f"{code!r} is not a {axis.value} code; expected one of {CODES[axis]}")
    return code


def cells() -> list[tuple[str, str]]:
    """The 98 Subject × Style cells, in code order."""
    return [(s, t) for s in CODES[Axis.SUBJECT] for t in CODES[Axis.STYLE]]
