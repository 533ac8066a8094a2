"""Chapter 06 (``notebooks/06_umass.py``): the UMass reproducibility report's two experiments.

- :mod:`toponet.chapters.umass.tori`: linked tori, can a network unlink them (U1, UMass Sec. 3.3);
- :mod:`toponet.chapters.umass.memorization`: true vs permuted labels (U2, UMass Sec. 4).

Two modules in a package because each is a study of its own (about 400 lines each).
"""
from toponet.chapters.umass import memorization, tori

__all__ = ["memorization", "tori"]
