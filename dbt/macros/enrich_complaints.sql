{#-
    Complaints (int_complaints_unioned's columns, in relation or CTE `complaints`) joined to the
    customers and agents they name (`customers`, `agents`: the staging snapshots); unknown ones point at the
    dimensions' unknown member and are flagged rather than dropped. One definition for the view over
    every complaint (int_complaints_enriched) and for fct_complaints' increment.
-#}
{% macro enrich_complaints(complaints, customers, agents) -%}
    select
        complaints.complaint_key,
        complaints.channel,
        complaints.source_complaint_id,
        coalesce(customers.customer_id, '{{ var("unknown_customer_id") }}') as customer_id,
        coalesce(agents.agent_id, {{ var("unknown_agent_id") }}) as agent_id,
        complaints.source_customer_id,
        complaints.source_agent_id,
        complaints.complaint_category,
        complaints.resolution_status,
        complaints.media_channel,
        complaints.requested_at,
        complaints.resolved_at,
        complaints.resolution_minutes,
        complaints.is_resolved,
        customers.customer_id is not null as has_known_customer,
        agents.agent_id is not null as has_known_agent,
        complaints.complaint_date,
        complaints.generation_date,
        complaints._ingest_date,
        complaints._loaded_at

    from {{ complaints }} as complaints
    left join {{ customers }} as customers
        on complaints.source_customer_id = customers.customer_id
    left join {{ agents }} as agents
        on complaints.source_agent_id = agents.agent_id
{%- endmacro %}
