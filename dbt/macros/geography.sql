{#-
    The geography rule of SOURCES.md: an agent's full state name and a customer's address code both
    become the two-letter USPS code. The 50 states and DC are states; the military "states" (APO/FPO/
    DPO addresses) and the inhabited territories are kept apart, so they are never counted as states.
    Anything else is not guessed: it stays visible as delivered and its region kind is 'unknown'.
-#}

{% macro usps_regions() -%}
    {{ return({
        'state': {
            'AL': 'Alabama', 'AK': 'Alaska', 'AZ': 'Arizona', 'AR': 'Arkansas', 'CA': 'California',
            'CO': 'Colorado', 'CT': 'Connecticut', 'DE': 'Delaware', 'DC': 'District of Columbia',
            'FL': 'Florida', 'GA': 'Georgia', 'HI': 'Hawaii', 'ID': 'Idaho', 'IL': 'Illinois',
            'IN': 'Indiana', 'IA': 'Iowa', 'KS': 'Kansas', 'KY': 'Kentucky', 'LA': 'Louisiana',
            'ME': 'Maine', 'MD': 'Maryland', 'MA': 'Massachusetts', 'MI': 'Michigan', 'MN': 'Minnesota',
            'MS': 'Mississippi', 'MO': 'Missouri', 'MT': 'Montana', 'NE': 'Nebraska', 'NV': 'Nevada',
            'NH': 'New Hampshire', 'NJ': 'New Jersey', 'NM': 'New Mexico', 'NY': 'New York',
            'NC': 'North Carolina', 'ND': 'North Dakota', 'OH': 'Ohio', 'OK': 'Oklahoma', 'OR': 'Oregon',
            'PA': 'Pennsylvania', 'RI': 'Rhode Island', 'SC': 'South Carolina', 'SD': 'South Dakota',
            'TN': 'Tennessee', 'TX': 'Texas', 'UT': 'Utah', 'VT': 'Vermont', 'VA': 'Virginia',
            'WA': 'Washington', 'WV': 'West Virginia', 'WI': 'Wisconsin', 'WY': 'Wyoming',
        },
        'military': {
            'AA': 'Armed Forces Americas', 'AE': 'Armed Forces Europe', 'AP': 'Armed Forces Pacific',
        },
        'territory': {
            'PR': 'Puerto Rico', 'GU': 'Guam', 'VI': 'U.S. Virgin Islands', 'AS': 'American Samoa',
            'MP': 'Northern Mariana Islands',
        },
    }) }}
{%- endmacro %}


{#- Spellings of a region name beyond its official one (lower case), e.g. 'washington dc'. -#}
{% macro usps_name_synonyms() -%}
    {{ return({
        'washington dc': 'DC', 'washington d.c.': 'DC',
        'virgin islands': 'VI', 'us virgin islands': 'VI', 'united states virgin islands': 'VI',
        'northern mariana': 'MP', 'commonwealth of the northern mariana islands': 'MP',
    }) }}
{%- endmacro %}


{#-
    The USPS code of a region given by its full name or by its code, in any case and with stray
    whitespace (inner runs of spaces count as one); null when it is neither.
-#}
{% macro usps_code(column) -%}
    {%- set regions = coretelecoms.usps_regions() -%}
    {%- set key = "lower(" ~ coretelecoms.regex_replace("trim(" ~ column ~ ")", '[[:space:]]+', ' ') ~ ")" -%}
    case {{ key }}
    {%- for kind, names in regions.items() %}
        {%- for code, name in names.items() %}
        when '{{ name | lower }}' then '{{ code }}'
        when '{{ code | lower }}' then '{{ code }}'
        {%- endfor %}
    {%- endfor %}
    {%- for spelling, code in coretelecoms.usps_name_synonyms().items() %}
        when '{{ spelling }}' then '{{ code }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- 'state', 'military' or 'territory' for a USPS code, 'unknown' for anything else (null included). -#}
{% macro region_kind(code) -%}
    case
    {%- for kind, names in coretelecoms.usps_regions().items() %}
        when {{ code }} in ({% for c in names %}'{{ c }}'{{ ", " if not loop.last }}{% endfor %}) then '{{ kind }}'
    {%- endfor %}
        else 'unknown'
    end
{%- endmacro %}


{#-
    The region kind of a USPS `code` and the state it names: only the 50 states and DC count as
    states; military and territory codes keep their region code and get no state. `prefix` names
    the pair (address_region_kind, address_state for customers).
-#}
{% macro region_columns(code, prefix='') -%}
    {{ coretelecoms.region_kind(code) }} as {{ prefix }}region_kind,
        case when {{ coretelecoms.region_kind(code) }} = 'state' then {{ code }} end as {{ prefix }}state
{%- endmacro %}
