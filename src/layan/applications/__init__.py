"""Applications (permohonan): submission, documents, tasks along the procedure, the SLA clock."""
