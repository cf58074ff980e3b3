"""Diagnosis: the documented error table (DESIGN §5) as data, and the checks built on it.

``doctor.table`` is the single place the error rows live; ``doctor``, ``doctor explain``,
the error paragraphs of ``ask``/``chat``, the README and the tests all read it. Nothing is
imported here so that importing one doctor module stays cheap.
"""
