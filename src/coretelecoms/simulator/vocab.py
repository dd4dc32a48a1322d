"""Word lists the simulator draws from: names, addresses, e-mail domains and the messy spellings."""

from __future__ import annotations

import pyarrow as pa

from coretelecoms.common.entities import COMPLAINT_CATEGORIES, RESOLUTION_STATUSES

# Male and female names alternate (even index male), so a customer's gender can follow the name.
FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Timothy",
    "Stephanie",
    "Ronald",
    "Rebecca",
    "Edward",
    "Sharon",
    "Jason",
    "Laura",
    "Jeffrey",
    "Cynthia",
    "Ryan",
    "Kathleen",
    "Jacob",
    "Amy",
    "Gary",
    "Angela",
    "Nicholas",
    "Shirley",
    "Eric",
    "Anna",
    "Jonathan",
    "Brenda",
    "Stephen",
    "Pamela",
    "Larry",
    "Emma",
    "Justin",
    "Nicole",
    "Scott",
    "Helen",
    "Brandon",
    "Samantha",
    "Benjamin",
    "Katherine",
    "Samuel",
    "Christine",
    "Gregory",
    "Debra",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "James",
    "Bennett",
]
STREET_NAMES = [
    "Oak",
    "Maple",
    "Pine",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Main",
    "Sunset",
    "Lincoln",
    "Jackson",
    "River",
    "Highland",
    "Forest",
    "Meadow",
    "Ridge",
    "Church",
    "Willow",
    "Spring",
    "Valley",
    "Franklin",
    "Madison",
    "Chestnut",
    "Walnut",
    "Mill",
    "Center",
    "Jefferson",
    "Cherry",
]
STREET_SUFFIXES = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl", "Trail")
UNIT_PREFIXES = ("Apt.", "Suite", "Unit")
CITIES = [
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
    "Madison",
    "Georgetown",
    "Arlington",
    "Ashland",
    "Dover",
    "Oxford",
    "Jackson",
    "Burlington",
    "Manchester",
    "Milton",
    "Newport",
    "Auburn",
    "Dayton",
    "Lexington",
    "Milford",
    "Winchester",
    "Hudson",
    "Kingston",
    "Marion",
    "Clayton",
    "Lakewood",
    "Centerville",
]
GENDERS = ("M", "F")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
EMAIL_SEPARATORS = (".", "_", "-")
# The typo forms of the real rows (SOURCES.md) as (before, domain, after), with their relative frequency:
# `GmaiL.om` the most frequent, then `hotmai.com`; `gmial`, `hotmaill.com`, `.om` for `.com`, stray whitespace.
EMAIL_TYPOS = (
    ("", "GmaiL.om", "", 0.4),
    ("", "hotmai.com", "", 0.15),
    ("", "gmial.com", "", 0.1),
    ("", "hotmaill.com", "", 0.1),
    ("", "yahoo.om", "", 0.1),
    (" ", "gmail.com", "", 0.075),
    ("", "hotmail.com", "  ", 0.075),
)
# Addresses that stay invalid after the typo fixes (no '@', or nothing after it).
INVALID_EMAIL_FORMS = ("{local}.{domain}", "{local}@", "{local} at {domain}")
# Agents' experience as the sheet writes it; the case varies (see `case_forms`).
EXPERIENCE = ("intern", "Junior", "Mid-level", "Senior")
EXPERIENCE_WEIGHTS = (0.1, 0.3, 0.35, 0.25)
# Media channels, brand-cased as delivered.
MEDIA_CHANNELS = ("Instagram", "Twitter", "Facebook", "LinkedIn")

# Values no extractor can parse: each must fail `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DD` / plain integer.
BAD_TIMESTAMPS = ("2025-13-45 10:00:00", "N/A", "2025-02-30 08:15:00", "2025-11-20 25:61:00", "not recorded")
BAD_DATES = ("N/A", "1985-02-30", "1990-13-01", "unknown", "31-12-1985")
BAD_AGENT_ID_FORMS = ("A{id}", "N/A", "{id}x")
EMPTY_IDS = ("", " ", "   ")

# Case/whitespace variants of a canonical categorical; every one differs from the canonical spelling
# (all canonical values carry an upper-case letter and are not all upper case).
CASE_VARIANTS = (
    lambda v: f" {v.lower()}",
    lambda v: v.upper(),
    lambda v: f"{v} ",
    lambda v: v.lower(),
    lambda v: f"  {v}",
)


def case_forms(value: str, n: int = 3) -> tuple[str, ...]:
    """`n` spellings of `value` that differ from it only in case or surrounding whitespace."""
    candidates = (value.lower(), value.upper(), value.capitalize(), value.title(), f" {value}", f"{value} ")
    return tuple(dict.fromkeys(c for c in candidates if c != value))[:n]


def variants_table(canonical: tuple[str, ...]) -> pa.StringArray:
    """All spellings of a domain, indexed `value * (1 + len(CASE_VARIANTS)) + variant` (variant 0 = canonical)."""
    return pa.array([form for v in canonical for form in (v, *(f(v) for f in CASE_VARIANTS))])


CATEGORY_TABLE = variants_table(COMPLAINT_CATEGORIES)
STATUS_TABLE = variants_table(RESOLUTION_STATUSES)
N_FORMS = 1 + len(CASE_VARIANTS)
RESOLVED = RESOLUTION_STATUSES.index("Resolved")
# Relative frequency of each status and category in fresh records.
STATUS_WEIGHTS = (
    0.45,
    0.2,
    0.2,
    0.15,
)  # in RESOLUTION_STATUSES order: Resolved, Backlog, In-Progress, Blocked
CATEGORY_WEIGHTS = (0.3, 0.3, 0.15, 0.25)
MEDIA_CHANNEL_TABLE = pa.array(MEDIA_CHANNELS)
# Experience spellings indexed `value * N_EXPERIENCE_FORMS + form` (form 0 = as written).
N_EXPERIENCE_FORMS = 4
EXPERIENCE_TABLE = tuple(form for v in EXPERIENCE for form in (v, *case_forms(v, N_EXPERIENCE_FORMS - 1)))
