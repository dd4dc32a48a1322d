"""Where people live: US state names and USPS codes, territories, military post offices, unmappable names."""

from __future__ import annotations

# The 50 states and DC as agents' sheet spells them (full names) and addresses end (USPS codes).
STATES = {
    "Alabama": "AL",
    "Alaska": "AK",
    "Arizona": "AZ",
    "Arkansas": "AR",
    "California": "CA",
    "Colorado": "CO",
    "Connecticut": "CT",
    "Delaware": "DE",
    "District of Columbia": "DC",
    "Florida": "FL",
    "Georgia": "GA",
    "Hawaii": "HI",
    "Idaho": "ID",
    "Illinois": "IL",
    "Indiana": "IN",
    "Iowa": "IA",
    "Kansas": "KS",
    "Kentucky": "KY",
    "Louisiana": "LA",
    "Maine": "ME",
    "Maryland": "MD",
    "Massachusetts": "MA",
    "Michigan": "MI",
    "Minnesota": "MN",
    "Mississippi": "MS",
    "Missouri": "MO",
    "Montana": "MT",
    "Nebraska": "NE",
    "Nevada": "NV",
    "New Hampshire": "NH",
    "New Jersey": "NJ",
    "New Mexico": "NM",
    "New York": "NY",
    "North Carolina": "NC",
    "North Dakota": "ND",
    "Ohio": "OH",
    "Oklahoma": "OK",
    "Oregon": "OR",
    "Pennsylvania": "PA",
    "Rhode Island": "RI",
    "South Carolina": "SC",
    "South Dakota": "SD",
    "Tennessee": "TN",
    "Texas": "TX",
    "Utah": "UT",
    "Vermont": "VT",
    "Virginia": "VA",
    "Washington": "WA",
    "West Virginia": "WV",
    "Wisconsin": "WI",
    "Wyoming": "WY",
}
STATE_NAMES = tuple(STATES)
STATE_CODES = tuple(STATES.values())
# Territories whose codes end real customer addresses (SOURCES.md: MP and GU seen); kept apart from states.
TERRITORY_CODES = ("MP", "GU", "PR", "VI", "AS")
# Military post: "APO/FPO/DPO" plus an armed-forces code instead of a city and a state.
MILITARY_CODES = ("AA", "AE", "AP")
MILITARY_POSTS = ("APO", "FPO", "DPO")
SHIP_PREFIXES = ("USS", "USNS", "USNV", "USCGC")
# Agent states that map to no state, territory or military code: misspelt, foreign or placeholder.
UNKNOWN_STATE_NAMES = ("Calfornia", "New Yrok", "Ontario", "Unknown", "Texass", "N/A")
