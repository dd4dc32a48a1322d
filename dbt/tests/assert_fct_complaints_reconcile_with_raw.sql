{#-
    Reconciliation: the complaints in fct_complaints are exactly the distinct (channel, source id)
    pairs across the three RAW complaint tables - none lost, none invented. Ids are compared after
    the same trim staging applies. Returns one row per complaint on only one side.
-#}
with

raw_complaints as (

    select distinct 'call_center' as channel, {{ clean_text('call_id') }} as source_complaint_id
    from ({{ source_or_empty('raw', 'call_logs') }}) as call_logs

    union

    select distinct 'social_media', {{ clean_text('complaint_id') }}
    from ({{ source_or_empty('raw', 'social_media_complaints') }}) as social_media_complaints

    union

    select distinct 'web_form', {{ clean_text('request_id') }}
    from ({{ source_or_empty('raw', 'web_form_requests') }}) as web_form_requests

),

mart_complaints as (

    select channel, source_complaint_id from {{ ref('fct_complaints') }}

),

only_in_raw as (

    select 'missing from fct_complaints' as problem, channel, source_complaint_id from raw_complaints
    except
    select 'missing from fct_complaints', channel, source_complaint_id from mart_complaints

),

only_in_mart as (

    select 'not in RAW' as problem, channel, source_complaint_id from mart_complaints
    except
    select 'not in RAW', channel, source_complaint_id from raw_complaints

),

duplicated_in_mart as (

    select 'duplicated in fct_complaints' as problem, channel, source_complaint_id
    from mart_complaints
    group by channel, source_complaint_id
    having count(*) > 1

)

select * from only_in_raw
union all
select * from only_in_mart
union all
select * from duplicated_in_mart
