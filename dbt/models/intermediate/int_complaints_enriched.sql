-- Complaints joined to the customers and agents they name; unknown ones point at the dimensions'
-- "unknown" member and are flagged rather than dropped (macros/enrich_complaints.sql, which
-- fct_complaints' increment applies to the day's complaints).
{{ enrich_complaints(ref('int_complaints_unioned'), ref('stg_raw__customers'), ref('stg_raw__agents')) }}
