"""The lake: one filesystem abstraction over file:// and s3://, the partition layout, atomic Parquet writes."""
