"""One module per chapter notebook: what a chapter calls beyond the core, so the notebook holds
narrative and calls only. Each chapter module's ``run_chapter(**parameters)`` computes everything
the chapter shows and returns one frozen result (its figures, captions, readings and verdict rows
are methods of it); the notebook records the rows and calls the figures.

==========================  ==============================================================
notebook                    module
==========================  ==============================================================
``00_ideal_filters``        :mod:`toponet.chapters.ideal_filters` (the core's known answers)
``01_mnist``                :mod:`toponet.chapters.mnist`
``02_cifar_gray``           :mod:`toponet.chapters.cifar_gray`
``03_cifar_color``          :mod:`toponet.chapters.cifar_color`
``04_deep_networks``        :mod:`toponet.chapters.deep_networks`
``05_generalization``       :mod:`toponet.chapters.generalization`
``06_umass``                :mod:`toponet.chapters.umass.chapter` (``tori``, ``memorization``)
``07_learning_graphs``      :mod:`toponet.chapters.learning_graphs`
``08_natural_patches``      :mod:`toponet.chapters.natural_patches` (the maths: :mod:`toponet.patches`)
``09_your_network``         :mod:`toponet.chapters.your_network` (a reader's own weights file; no verdicts)
``calibration``             :mod:`toponet.chapters.calibration_page` (the sizes its curve shows)
==========================  ==============================================================

Helpers two or more chapters share live in ``_common.py`` (artifact accuracy, training
evolution, the studies' load-or-train engine), ``_cifar.py`` (chapters 02 and 03) and
``_templates.py`` (the prose templates of ``templates/``); a chapter module re-exports the shared
names its notebook calls. What every chapter trains, at every profile, is
:mod:`toponet.chapters.registry`. A new chapter ``NN_name`` gets ``toponet/chapters/name.py``
(docstring: its notebook and paper figures), its prose templates in ``templates/``, its tests, a
row in the table above and, if it trains, its registry entries (the README's "To add").

Layering (``tests/test_layers.py``): chapter modules may import the book helpers
(:mod:`toponet.book`) and everything below; nothing below imports a chapter.
"""

__all__: list[str] = []
