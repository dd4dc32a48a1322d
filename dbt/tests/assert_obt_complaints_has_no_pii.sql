{#-
    PII (emails, addresses, dates of birth, names) never reaches the One Big Table in clear text:
    no column may carry one of those names, and no value of the email hash or domain columns may
    equal a customer's clear-text email. One row per offence. Values are checked in the rows the
    latest build wrote (earlier builds checked theirs; a full refresh writes every row).
-#}
{%- set pii_markers = ['email', 'address', 'birth', 'dob', 'name'] -%}
{%- set allowed = ['customer_email_sha256', 'customer_email_domain', 'complaint_month_name', 'complaint_day_name'] -%}
{%- set offending = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(ref('obt_complaints')) -%}
        {%- set name = column.name | lower -%}
        {%- if name not in allowed -%}
            {%- for marker in pii_markers if marker in name -%}
                {%- do offending.append(name) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

clear_emails as (

    select email from {{ ref('dim_customers') }} where email is not null

),

obt as (

    select * from {{ ref('obt_complaints') }}
    where _built_at = (select max(_built_at) from {{ ref('obt_complaints') }})

),

offences as (

    {%- for name in offending | unique %}
    select 'column {{ name }} looks like PII' as offence
    union all
    {%- endfor %}
    select 'clear-text email in customer_email_sha256' as offence
    from obt
    inner join clear_emails on obt.customer_email_sha256 = clear_emails.email
    union all
    select 'clear-text email in customer_email_domain' as offence
    from obt
    inner join clear_emails on obt.customer_email_domain = clear_emails.email

)

select * from offences
