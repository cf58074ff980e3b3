"""Diagnosis: the documented error table (DESIGN §5) as data, and the checks built on it.

``doctor.rows`` is the single place the error rows live and ``doctor.classify`` names the row
for a failure (``doctor.table`` re-exports both); ``doctor``, ``doctor explain``, the error
paragraphs of ``ask``/``chat``, the README and the tests all read them.
Nothing is imported here so that importing one doctor module stays cheap.
"""
