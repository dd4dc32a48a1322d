{#-
    Reconciliation: the complaints in fct_complaints are exactly the distinct (channel, source id)
    pairs across the three RAW complaint tables - none lost, none invented. Ids are compared after
    the same trim staging applies. Returns one row per complaint on only one side.

    Scoped to the build's work, so the test costs a day, not the history: the RAW rows loaded after
    the newest load the rows of earlier builds reflect must all be in the mart, and the rows this
    build wrote must all be in RAW and appear once. A full refresh (every row written by one build)
    checks everything.
-#}
with

built as (

    select * from {{ ref('fct_complaints') }}

),

this_build as (

    select max(_built_at) as built_at from built

),

checked_since as (

    select coalesce(max(built._loaded_at), cast('1970-01-01' as {{ dbt.type_timestamp() }})) as loaded_at
    from built
    where built._built_at < (select built_at from this_build)

),

raw_complaints as (

    select 'call_center' as channel, {{ clean_text('call_id') }} as source_complaint_id, _ingest_date, _loaded_at
    from ({{ source_or_empty('raw', 'call_logs') }}) as call_logs

    union all

    select 'social_media', {{ clean_text('complaint_id') }}, _ingest_date, _loaded_at
    from ({{ source_or_empty('raw', 'social_media_complaints') }}) as social_media_complaints

    union all

    select 'web_form', {{ clean_text('request_id') }}, _ingest_date, _loaded_at
    from ({{ source_or_empty('raw', 'web_form_requests') }}) as web_form_requests

),

newly_loaded as (

    select channel, source_complaint_id, _ingest_date from raw_complaints
    where _loaded_at > (select loaded_at from checked_since)

),

written as (

    select channel, source_complaint_id, _ingest_date from built
    where _built_at = (select built_at from this_build)

),

only_in_raw as (

    -- A complaint's row in the mart is its latest delivery: never older than a delivery of it.
    select 'missing from fct_complaints' as problem, channel, source_complaint_id from newly_loaded
    except
    select 'missing from fct_complaints', channel, source_complaint_id from built
    where _ingest_date >= (select min(_ingest_date) from newly_loaded)

),

only_in_mart as (

    -- Each written row's version was delivered on its _ingest_date.
    select 'not in RAW' as problem, channel, source_complaint_id from written
    except
    select 'not in RAW', channel, source_complaint_id from raw_complaints
    where _ingest_date in (select _ingest_date from written)

),

duplicated_in_mart as (

    select 'duplicated in fct_complaints' as problem, built.channel, built.source_complaint_id
    from built
    inner join written
        on built.channel = written.channel
        and built.source_complaint_id = written.source_complaint_id
    group by built.channel, built.source_complaint_id
    having count(*) > 1

)

select * from only_in_raw
union all
select * from only_in_mart
union all
select * from duplicated_in_mart
