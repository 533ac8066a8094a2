"""Chapter 06 (``notebooks/06_umass.py``): the UMass reproducibility report's two experiments.

- :mod:`toponet.chapters.umass.tori`: linked tori, can a network unlink them (U1, UMass Sec. 3.3);
- :mod:`toponet.chapters.umass.memorization`: true vs permuted labels (U2, UMass Sec. 4);
- :mod:`toponet.chapters.umass.chapter`: the chapter in one call (``run_chapter`` returns a frozen
  result that draws the figures and writes the captions); it imports the registry, which imports
  the two studies, so it is not imported here.

The two studies are modules of their own (about 400 lines each).
"""
from toponet.chapters.umass import memorization, tori

__all__ = ["memorization", "tori"]
