{#-
    The cleaning rules of SOURCES.md ("Business rules for the marts"), one macro each, so every
    staging model applies them identically and the unit tests pin them down.
-#}

{#- Trimmed text, with an empty string turned into null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{#-
    A categorical value trimmed and matched case-insensitively to its canonical spelling; anything
    else (including null) becomes 'Unknown', which a warning-level accepted_values test counts.
    `synonyms` maps further lower-case spellings to a canonical value (agent experience levels).
-#}
{% macro canonical_value(column, values, synonyms={}) -%}
    case lower(trim({{ column }}))
    {%- for value in values %}
        when '{{ value | lower }}' then '{{ value }}'
    {%- endfor %}
    {%- for spelling, value in synonyms.items() %}
        when '{{ spelling | lower }}' then '{{ value }}'
    {%- endfor %}
        else 'Unknown'
    end
{%- endmacro %}


{#-
    An email with every whitespace removed (stray spaces sit inside too), lower-cased (the typos
    carry mixed case: GmaiL.om) and with the known domain typos fixed (gmial, hotmai, hotmaill, a
    trailing .om); still not an address after that, it becomes null.
-#}
{% macro clean_email(column) -%}
    {%- set email -%}
        {{ coretelecoms.regex_replace(
            coretelecoms.regex_replace(
                coretelecoms.regex_replace(
                    "lower(" ~ coretelecoms.regex_replace(column, '[[:space:]]+', '') ~ ")", '@gmial[.]', '@gmail.'),
                '@hotmai[l]*[.]', '@hotmail.'),
            '[.]om$', '.com') }}
    {%- endset -%}
    case
        when {{ coretelecoms.regex_matches(email, '^[a-z0-9._+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$') }}
            then {{ email }}
    end
{%- endmacro %}


{#-
    Minutes from request to resolution (for calls: start to end), only when both exist and the
    difference is not negative; a call that "ends" before it starts has no resolution time.
-#}
{% macro resolution_minutes(requested_at, resolved_at) -%}
    case
        when {{ requested_at }} is not null
            and {{ resolved_at }} is not null
            and {{ resolved_at }} >= {{ requested_at }}
            then cast({{ dbt.datediff(requested_at, resolved_at, 'second') }} / 60.0 as numeric(18, 2))
    end
{%- endmacro %}


{#-
    A timestamp or date inside the calendar of dim_date (vars date_spine_start, inclusive, to
    date_spine_end, exclusive), else null: one call dated 2999-12-31 or 1900-01-01 must not fail
    every later build on the dim_date relationship. Staging flags the row (date_out_of_window),
    a warning-level test counts it, and the complaint still flows with its delivery day.
-#}
{% macro within_calendar(column) -%}
    case
        when {{ column }} >= cast('{{ var("date_spine_start") }}' as date)
            and {{ column }} < cast('{{ var("date_spine_end") }}' as date)
            then {{ column }}
    end
{%- endmacro %}


{#- True when any of `columns` holds a value outside the calendar (see within_calendar). -#}
{% macro outside_calendar(columns) -%}
    (
    {%- for column in columns %}
        ({{ column }} is not null and {{ coretelecoms.within_calendar(column) }} is null)
        {{- " or" if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}


{#- The columns every complaint channel shares, cleaned alike (staging and the delivery history). -#}
{% macro complaint_attributes() -%}
    lower({{ coretelecoms.clean_text('customer_id') }}) as customer_id,
        agent_id,
        {{ coretelecoms.canonical_value('complaint_category', var('complaint_categories')) }} as complaint_category,
        {{ coretelecoms.canonical_value('resolution_status', var('resolution_statuses')) }} as resolution_status
{%- endmacro %}


{#- The age band of someone born on `date_of_birth`, on `on_date`; 'Unknown' without a birth date. -#}
{% macro age_band(date_of_birth, on_date) -%}
    {%- set age_days = dbt.datediff(date_of_birth, on_date, 'day') -%}
    case
        when {{ date_of_birth }} is null then 'Unknown'
        {%- for upper, band in [(25, 'under 25'), (35, '25-34'), (45, '35-44'), (55, '45-54'), (65, '55-64')] %}
        when {{ age_days }} < {{ upper }} * 365.25 then '{{ band }}'
        {%- endfor %}
        else '65 and over'
    end
{%- endmacro %}


{#- A PII value as the salted SHA-256 the One Big Table keeps (var pii_salt); null stays null. -#}
{% macro salted_sha256(column) -%}
    case
        when {{ column }} is not null
            then {{ coretelecoms.sha256_hex("'" ~ var('pii_salt') ~ "' || " ~ column) }}
    end
{%- endmacro %}
