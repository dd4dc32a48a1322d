{#-
    Every enriched complaint plus its repeat-contact flags (issue 14.1; the rule is
    macros/repeat_contacts.sql):
    - is_repeat_contact: the same known customer made another complaint, in any channel and in the
      same category, requested strictly earlier and at most repeat_contact_days before this one;
    - is_first_contact_resolution: resolved, and no repeat contact follows (no complaint of that
      customer and category requested strictly later and at most repeat_contact_days after this one).
    'Unknown' is not a category but the lack of one, so two Unknown complaints are not a repeat.
    A complaint without a request time or a known customer can be neither a repeat nor followed by one.
    fct_complaints reads this view on a full build; its increments apply the same rule to the day's
    complaints and their neighbours only.
-#}
with

complaints as (

    select * from {{ ref('int_complaints_enriched') }}

),

contact_times as (

    select distinct customer_id, complaint_category, requested_at
    from complaints
    where has_known_customer
        and complaint_category <> 'Unknown'
        and requested_at is not null

),

{{ repeat_contact_ctes('complaints', 'contact_times') }}

select * from flagged
