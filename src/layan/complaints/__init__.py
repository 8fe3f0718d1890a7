"""Complaints (pengaduan): the SP4N-LAPOR! lifecycle on working-day deadlines."""
